"""Rasa responses generated from the texts catalog, so FR and EN can never drift apart.

Each catalog key `dialogue.utter.<name>` becomes the response `utter_<name>` with one
variation per language: French is the unconditioned default (so a conversation whose
`language` slot is unset or another language still gets an answer) and English is
conditioned on the `language` slot. Rasa picks the variation at send time, so even
replies that never touch the action server (crisis lines, the form's questions) are in the
person's language. `relais build-domain` writes them at the end of `domain.yml` (after a
marker; the rest of the file is written by hand); a test checks they are in sync.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.directory.needs import NEED_IDS
from bot.settings import DOMAIN_PATH
from bot.texts import LANGUAGES, catalog, t

DOMAIN_FILE = DOMAIN_PATH
AGAIN = "_again"
"""A response's second wording (`utter_x_again`): said in its place after it (bot/runtime/nlg.py)."""
AFTER_CRISIS = "_after_crisis"
"""A response's wording once a crisis line was given (bot/runtime/nlg.py)."""
PREFIX = "dialogue.utter."
OTHER_LANGUAGE_KEY = "nlu.other_language.message"
"""The "call 211 with an interpreter" text, in the nine other languages too."""
OTHER_LANGUAGE_NEXT_KEY = "nlu.other_language.next"
OTHER_LANGUAGES: tuple[str, ...] = ("es", "ar", "ht", "zh", "vi", "pt", "fa", "ru", "it")
OTHER_LANGUAGE_SLOT = "other_language"

COMMON_NEEDS: tuple[str, ...] = ("food", "housing", "mental_health", "income")
"""The needs offered as buttons when a person has not said what they need."""

Button = tuple[str, str]
"""(text key of the title, payload)."""


def need_button(need: str) -> Button:
    """A need's button: its label, its intent."""
    return (f"need.{need}.label", f"/need_{need}")


NEED_BUTTONS: list[Button] = [need_button(need) for need in COMMON_NEEDS]
COUNSELLOR: Button = ("dialogue.button.counsellor", "/ask_human")
OTHER_NEED: Button = ("dialogue.button.other_need", "/need_unspecified")
SOMETHING_ELSE: Button = ("dialogue.button.something_else", "/need_unspecified")
DONE: Button = ("dialogue.button.done", "/goodbye")
CONSENT_YES: Button = ("handoff.button.consent_yes", "/affirm")
CONSENT_NO: Button = ("handoff.button.consent_no", "/deny")
CALLBACK_YES: Button = ("handoff.button.callback_yes", "/affirm")
CALLBACK_NO: Button = ("handoff.button.callback_no", "/deny")
TYPED_BUTTONS: tuple[Button, ...] = (
    *(need_button(need) for need in NEED_IDS),
    COUNSELLOR,
    OTHER_NEED,
    SOMETHING_ELSE,
    DONE,
    CONSENT_YES,
    CONSENT_NO,
    CALLBACK_YES,
    CALLBACK_NO,
)
"""Buttons whose title, typed instead of pressed, means the button (bot/nlu/typed_buttons.py):
"un autre besoin" typed was read as more results, "That's all, thanks" as thanks."""


def button(spec: Button, language: str) -> dict[str, str]:
    """A button of the catalog, as Rasa sends it, in `language`."""
    title_key, payload = spec
    return {"title": t(title_key, language), "payload": payload}


BUTTONS: dict[str, list[Button]] = {
    "utter_greet": NEED_BUTTONS,
    "utter_ask_need": [*NEED_BUTTONS, COUNSELLOR],
    "utter_restart": NEED_BUTTONS,
    "utter_menu": [*NEED_BUTTONS, COUNSELLOR],
    "utter_language_changed": NEED_BUTTONS,
    "utter_fallback": [OTHER_NEED, COUNSELLOR],
    "utter_default": [OTHER_NEED, COUNSELLOR],
    "utter_out_of_scope": [OTHER_NEED, COUNSELLOR],
    "utter_offer_counsellor": [COUNSELLOR],
    "utter_anything_else": [OTHER_NEED, COUNSELLOR, DONE],
    # "what should I do?" after a crisis line: what to do, a counsellor, or another need
    "utter_ask_need_after_crisis": [COUNSELLOR, OTHER_NEED],
    "utter_no_more_results": [COUNSELLOR, OTHER_NEED, DONE],
    "utter_outside_territory_next": [COUNSELLOR, DONE],
}
"""Static buttons of a response; dynamic ones (results menu) come from the actions."""


def _variation(key: str, language: str, buttons: list[Button], *, default: bool) -> dict[str, Any]:
    variation: dict[str, Any] = {"text": t(key, language)}
    if buttons:
        variation["buttons"] = [button(spec, language) for spec in buttons]
    if not default:
        variation["condition"] = [{"type": "slot", "name": "language", "value": language}]
    return variation


def other_language_responses() -> dict[str, list[dict[str, Any]]]:
    """`utter_other_language` in the person's language (chosen by the `other_language` slot;
    the default says it in French and English), then `utter_other_language_next` in both."""
    versions = catalog()[OTHER_LANGUAGE_KEY]
    missing = [code for code in OTHER_LANGUAGES if not versions.get(code)]
    if missing:
        raise ValueError(f"{OTHER_LANGUAGE_KEY} has no text in {missing}")
    return {
        "utter_other_language": [
            {"text": "\n".join(t(OTHER_LANGUAGE_KEY, code) for code in LANGUAGES)},
            *(
                {
                    "text": versions[code],
                    "condition": [{"type": "slot", "name": OTHER_LANGUAGE_SLOT, "value": code}],
                }
                for code in OTHER_LANGUAGES
            ),
        ],
        "utter_other_language_next": [
            {"text": "\n".join(t(OTHER_LANGUAGE_NEXT_KEY, code) for code in LANGUAGES)}
        ],
    }


def build_responses() -> dict[str, list[dict[str, Any]]]:
    """`{utter_name: [variations]}` for every `dialogue.utter.*` key of the catalog, and the
    answer to a third language."""
    responses: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(k for k in catalog() if k.startswith(PREFIX)):
        name = "utter_" + key.removeprefix(PREFIX)
        # another wording (`utter_x_again`, `utter_x_after_crisis`: bot/runtime/nlg.py) keeps
        # the response's buttons
        wording = re.sub(rf"{AFTER_CRISIS}_[a-z]+$", AFTER_CRISIS, name)
        base = wording.removesuffix(AGAIN).removesuffix(AFTER_CRISIS)
        buttons = BUTTONS.get(name, BUTTONS.get(wording, BUTTONS.get(base, [])))
        responses[name] = [
            _variation(key, language, buttons, default=(language == LANGUAGES[0]))
            for language in LANGUAGES
        ]
    responses.update(other_language_responses())
    return responses


MARKER = "# --- GENERATED below by `relais build-domain` from bot/texts/catalog/*.yml: do not edit."


def render(domain_text: str) -> str:
    """`domain_text` with its responses section (everything after the marker) regenerated."""
    head = domain_text.split(MARKER, 1)[0].rstrip("\n")
    body = yaml.safe_dump(
        {"responses": build_responses()}, allow_unicode=True, sort_keys=False, width=100
    )
    return f"{head}\n\n{MARKER}\n# Edit the texts catalog, then run `relais build-domain`.\n{body}"


def write(path: Path = DOMAIN_FILE) -> Path:
    """Regenerate the responses of `domain.yml` (only when they change, to keep the model
    cache)."""
    current = path.read_text(encoding="utf-8")
    text = render(current)
    if text != current:
        path.write_text(text, encoding="utf-8")
    return path
