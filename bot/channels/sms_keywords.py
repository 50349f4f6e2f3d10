"""SMS keywords, in French and English, recognized before the message reaches Rasa.

A keyword is the whole message ("Arrêt", "stop!", " AIDE "), never a word inside a
sentence: "j'ai besoin d'aide" is a need for Rasa, "aide" alone asks for the help text.
STOP must work whatever state the conversation is in (carriers and the law require it),
so it is decided here and not by the NLU. The opt-out words include the provider's own
(Twilio's STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) so our state agrees with the carrier's.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from dataclasses import dataclass


class Command(enum.Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    RESTART = "restart"
    LANGUAGE = "language"
    MORE = "more"
    ERASE = "erase"


@dataclass(frozen=True)
class Keyword:
    command: Command
    language: str | None
    """The language the keyword is written in (None when it is the same in both), or, for
    LANGUAGE, the language asked for."""


KEYWORDS: dict[str, Keyword] = {
    "stop": Keyword(Command.STOP, None),
    "arret": Keyword(Command.STOP, "fr"),
    "arreter": Keyword(Command.STOP, "fr"),
    "stopall": Keyword(Command.STOP, "en"),
    "unsubscribe": Keyword(Command.STOP, "en"),
    "cancel": Keyword(Command.STOP, "en"),
    "end": Keyword(Command.STOP, "en"),
    "quit": Keyword(Command.STOP, "en"),
    "start": Keyword(Command.START, None),
    "unstop": Keyword(Command.START, "en"),
    "aide": Keyword(Command.HELP, "fr"),
    "help": Keyword(Command.HELP, "en"),
    "info": Keyword(Command.HELP, None),
    "recommencer": Keyword(Command.RESTART, "fr"),
    "restart": Keyword(Command.RESTART, "en"),
    "francais": Keyword(Command.LANGUAGE, "fr"),
    "french": Keyword(Command.LANGUAGE, "fr"),
    "english": Keyword(Command.LANGUAGE, "en"),
    "anglais": Keyword(Command.LANGUAGE, "en"),
    "plus": Keyword(Command.MORE, "fr"),
    "suite": Keyword(Command.MORE, "fr"),
    "more": Keyword(Command.MORE, "en"),
    # Law 25: erase the conversation on request (asks for a confirmation: bot/privacy/sms.py)
    "effacer": Keyword(Command.ERASE, "fr"),
    "supprimer": Keyword(Command.ERASE, "fr"),
    "delete": Keyword(Command.ERASE, "en"),
    "erase": Keyword(Command.ERASE, "en"),
}


def fold(text: str) -> str:
    """Lowercase, accents removed, punctuation trimmed, spaces collapsed: "Arrêt!" → "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[^\w\s]", " ", plain)
    return " ".join(plain.split())


def parse_keyword(text: str) -> Keyword | None:
    """The keyword a message is, or None for anything else."""
    return KEYWORDS.get(fold(text or ""))


def change_language_payload(language: str) -> str:
    """The Rasa message that switches the conversation's language (intent + `language`
    entity, which fills the `language` slot: see bot/domain/slots.yml)."""
    return "/change_language" + json.dumps({"language": language})
