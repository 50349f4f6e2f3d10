"""Rasa events → the anonymous facts of a conversation (pure: no Rasa import, no database).

`Conversation.apply(event)` reads one event as the event broker receives it (a dict, as
`Event.as_dict()` plus `sender_id`) and updates the facts; it returns whether any fact
changed, so the broker writes only then. Nothing of a message's text is ever read into a
fact: only intents, slots (need, needs, crisis, place, language, callback), the results
payload's need and widening, and the names of the bot's responses.

A need is unmet when no service offering it was found within the normal radius (the search
widened, or found nothing), or when the person asked for a counsellor after seeing results;
the counsellor's closing form adds the needs they could not meet (`store.record_handoff`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue.results import is_results
from bot.directory.needs import NEED_IDS

TZ = ZoneInfo("America/Montreal")
ASK_HUMAN = "ask_human"
NO_RESULTS = "utter_no_results"
OUTSIDE = "utter_outside_territory"
CHANNELS = {"rest": "rest", "socketio": "web", "twilio_sms": "sms", "cmdline": "rest"}
"""Rasa input channel → the channel the statistics name."""


def keyed(secret: str, *parts: object) -> str:
    """A keyed hash (HMAC-SHA256, 32 hex digits): the same input gives the same key, and
    nobody without the server secret can tell which input it was."""
    message = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def channel_name(input_channel: str | None) -> str:
    if not input_channel:
        return ""
    return CHANNELS.get(input_channel, input_channel[:20])


def fsa_of(place: Mapping[str, Any]) -> str:
    """The forward sortation area (3 characters) of a postal code in the place, if any."""
    code = str(place.get("postal_code") or place.get("postcode") or "").replace(" ", "").upper()
    return code[:3] if len(code) >= 3 and code[0].isalpha() else ""


def referral_key(code_geo: str) -> str:
    """Which 211 serves `code_geo` (its key in bot/places/territory.yml)."""
    from bot.places.territory import referral_for

    return referral_for(code_geo or None).key


@dataclass
class Conversation:
    """The facts of one conversation session, as they become known."""

    key: str
    sender_key: str
    day: str = ""
    hour: int = 0
    language: str = "fr"
    channel: str = ""
    code_geo: str = ""
    borough: str = ""
    fsa: str = ""
    in_territory: bool = True
    crisis: str = ""
    results_shown: bool = False
    widening: str = ""
    fallback_211: str = ""
    outside_211: str = ""
    handoff_requested: bool = False
    callback_requested: bool = False
    needs: dict[str, bool] = field(default_factory=dict)
    """need → unmet."""
    need: str = ""
    """The need being searched (the `need` slot)."""
    shown: set[str] = field(default_factory=set)
    """Needs whose results the person saw."""

    @classmethod
    def start(cls, secret: str, sender_id: str, started: float) -> Conversation:
        return cls(keyed(secret, sender_id, started), keyed(secret, sender_id))

    def facts(self) -> dict[str, Any]:
        """The row of `stats_conversation` (the broker's columns)."""
        return {
            "sender_key": self.sender_key, "day": self.day, "hour": self.hour,
            "language": self.language, "channel": self.channel, "code_geo": self.code_geo,
            "borough": self.borough, "fsa": self.fsa, "crisis": self.crisis,
            "results_shown": self.results_shown, "widening": self.widening,
            "fallback_211": self.fallback_211, "outside_211": self.outside_211,
            "handoff_requested": self.handoff_requested,
            "callback_requested": self.callback_requested,
        }  # fmt: skip

    # --- reading events ------------------------------------------------------------------

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Update the facts from one event; whether anything changed."""
        before = (self.facts(), dict(self.needs))
        kind = event.get("event")
        if kind == "user":
            self._user(event)
        elif kind == "slot":
            self._slot(str(event.get("name") or ""), event.get("value"))
        elif kind == "bot":
            self._bot(event)
        elif kind == "pause":
            self.handoff_requested = True
            self._after_results()
        return (self.facts(), self.needs) != before

    def _user(self, event: Mapping[str, Any]) -> None:
        if not self.day:
            moment = dt.datetime.fromtimestamp(float(event.get("timestamp") or 0), TZ)
            self.day, self.hour = moment.date().isoformat(), moment.hour
        if not self.channel:
            self.channel = channel_name(event.get("input_channel"))
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == ASK_HUMAN:
            self._after_results()

    def _after_results(self) -> None:
        """The person wanted a counsellor after seeing results: those needs were not met."""
        for need in self.shown:
            self.needs[need] = True

    def _add_need(self, need: Any) -> None:
        if need in NEED_IDS:  # one of the 20: a slot set by a forged message is not a need
            self.needs.setdefault(need, False)

    def _slot(self, name: str, value: Any) -> None:
        if name == "language" and value in ("fr", "en"):
            self.language = value
        elif name == "need":
            self.need = value if value in NEED_IDS else ""
            self._add_need(value)
        elif name == "needs" and isinstance(value, list):
            for need in value:
                self._add_need(need)
        elif name == "crisis" and isinstance(value, str) and value:
            self.crisis = value[:20]
        elif name == "place" and isinstance(value, Mapping) and value.get("code_geo"):
            self.code_geo = str(value["code_geo"])[:10]
            self.borough = str(value.get("borough") or "")[:80]
            self.in_territory = bool(value.get("in_territory", True))
            self.fsa = fsa_of(value) or self.fsa
        elif name == "callback_phone" and value:
            self.callback_requested = True  # only that one was given, never the number

    def _bot(self, event: Mapping[str, Any]) -> None:
        custom = (event.get("data") or {}).get("custom")
        response = (event.get("metadata") or {}).get("utter_action")
        if is_results(custom):
            need = str(custom.get("need") or "")
            if need not in NEED_IDS:
                return
            self._add_need(need)
            self.results_shown = True
            self.shown.add(need)
            stage = custom.get("widening") or ""
            if stage and int(custom.get("page") or 1) == 1:
                self.widening = _wider(self.widening, stage)
                self.needs[need] = True  # nothing within the normal radius
        elif response == NO_RESULTS:
            self.widening = "fallback"
            self.fallback_211 = referral_key(self.code_geo)
            if self.need:
                self.needs[self.need] = True
        elif response == OUTSIDE:
            self.outside_211 = referral_key(self.code_geo)


WIDENING_ORDER = ("", "radius", "region", "fallback")


def _wider(current: str, stage: str) -> str:
    """The farthest of two widening stages."""
    rank = {name: i for i, name in enumerate(WIDENING_ORDER)}
    return max(current, stage, key=lambda s: rank.get(s, 0))


__all__ = ["Conversation", "channel_name", "keyed"]
