"""Play scripted conversations (`tests/conversations/*.yml`) against a running assistant.

The files are the project's blind proxy of real conversations (format in docs/evaluation.md):
each user turn is sent over Rasa's REST channel, then the `expect` that follows is checked
against the bot's messages and the tracker of that turn. Every failed expectation is recorded
and the conversation goes on, so one run reports everything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.dialogue import results
from bot.dialogue.place import PLACE_SLOT, Where
from bot.directory.needs import need_resources
from bot.ops.rasa_client import RasaClient
from bot.texts import normalize_language

HANDOFF_RESPONSES = {"utter_offer_counsellor", "utter_handoff_queued", "utter_handoff"}


@dataclass
class Failure:
    conversation: str
    turn: int
    key: str
    expected: Any
    got: Any


@dataclass
class Turn:
    """What the bot did in answer to one user message."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    slots: dict[str, Any]
    earlier: tuple[str, ...] = ()
    """The texts the bot sent before this turn, in this conversation."""

    @property
    def text(self) -> str:
        return "\n".join(str(m.get("text") or "") for m in self.messages)

    def responses(self) -> set[str]:
        """Names of the responses and actions of this turn (from the tracker events)."""
        names = set()
        for event in self.events:
            if event.get("event") == "action":
                names.add(str(event.get("name")))
            if event.get("event") == "bot":
                template = (event.get("metadata") or {}).get("utter_action")
                if template:
                    names.add(str(template))
        return names

    def shows_services(self) -> bool:
        return any(
            results.is_results(m.get("custom")) and m["custom"].get("cards") for m in self.messages
        )


@dataclass
class Report:
    conversations: int = 0
    conversations_passed: int = 0
    expectations: int = 0
    failures: list[Failure] = field(default_factory=list)
    by_key: dict[str, list[int]] = field(default_factory=dict)

    @property
    def expectations_passed(self) -> int:
        return self.expectations - len(self.failures)

    def summary(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "conversations_passed": self.conversations_passed,
            "expectations": self.expectations,
            "expectations_passed": self.expectations_passed,
            "by_key": {k: f"{ok}/{total}" for k, (ok, total) in sorted(self.by_key.items())},
        }


def _digits(text: str) -> str:
    """Phone numbers compared without separators between digits."""
    return re.sub(r"(?<=\d)[\s.\-()]+(?=\d)", "", text)


def phone_in(text: str, number: str) -> bool:
    """Whether `number` appears in `text` as a whole number."""
    wanted = re.sub(r"\D", "", number) if re.search(r"\d", number) else number
    flat = _digits(text)
    return re.search(rf"(?<!\d){re.escape(wanted)}(?!\d)", flat) is not None


def _options(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _reply_language_ok(turn: Turn, expected: str) -> bool:
    if turn.slots.get("language") != expected:
        return False
    letters = re.sub(r"[^A-Za-zÀ-ÿ]", "", turn.text)
    if len(letters) < 20:
        return True
    from bot.nlu.language import detect

    detected = detect(re.sub(r"\d", " ", turn.text)).code
    return detected in (None, expected)


def check(expect: dict[str, Any], turn: Turn) -> list[tuple[str, Any, Any]]:
    """The expectations of `expect` that `turn` does not meet: (key, expected, got)."""
    failed: list[tuple[str, Any, Any]] = []
    slots = turn.slots
    for key, value in expect.items():
        if key == "need":
            wanted = [str(v).removeprefix("need_") for v in _options(value)]
            ok, got = slots.get("need") in wanted, slots.get("need")
        elif key == "municipality":
            where = Where.from_slot(slots.get(PLACE_SLOT))
            got = where.code_geo if where else None
            ok = got in [str(v) for v in _options(value)]
        elif key == "crisis":
            got = slots.get("crisis")
            if value == "none":
                ok = not got or "utter_crisis" not in " ".join(turn.responses())
                ok = ok and not any(n.startswith("utter_crisis") for n in turn.responses())
            else:
                ok = got in _options(value)
        elif key == "phone_in_reply":
            missing = [n for n in _options(value) if not phone_in(turn.text, str(n))]
            ok, got = not missing, turn.text[:300]
        elif key == "no_search":
            ok, got = not turn.shows_services(), "services shown"
        elif key == "cards":
            ok, got = turn.shows_services(), turn.text[:300]
        elif key == "reply_language":
            ok, got = _reply_language_ok(turn, value), (slots.get("language"), turn.text[:120])
        elif key == "handoff":
            names = turn.responses()
            ok = bool(HANDOFF_RESPONSES & names) or "action_handoff" in names
            got = sorted(names)
        elif key == "responds":
            names = turn.responses()
            ok, got = bool(names & {str(v) for v in _options(value)}), sorted(names)
        elif key == "new_words":
            repeated = [m.get("text") for m in turn.messages if m.get("text") in turn.earlier]
            ok, got = not repeated, repeated
        elif key == "names_needs":
            language = normalize_language(slots.get("language"))
            missing = [
                n for n in _options(value) if need_resources(str(n), language) not in turn.text
            ]
            ok, got = not missing, turn.text[:300]
        elif key == "outside_territory_211":
            names = turn.responses()
            ok = "utter_outside_territory" in names and phone_in(turn.text, "211")
            got = turn.text[:300]
        else:
            continue
        if not ok:
            failed.append((key, value, got))
    return failed


def load(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The conversation files, in name order."""
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(paths)]


async def play(client: RasaClient, conversation: dict[str, Any], report: Report) -> None:
    """Play one conversation and add its results to `report`."""
    sender = f"eval-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    metadata = {"language": conversation.get("language"), "channel": conversation.get("channel")}
    seen = 0
    said: list[str] = []
    turn: Turn | None = None
    index = 0
    passed = True
    for step in conversation["turns"]:
        if "user" in step:
            index += 1
            messages = await client.send(sender, str(step["user"]), metadata=metadata)
            tracker = await client.tracker(sender)
            events = tracker.get("events", [])
            earlier = tuple(said)
            turn = Turn(messages, events[seen:], tracker.get("slots", {}), earlier)
            said.extend(str(m.get("text")) for m in messages if m.get("text"))
            seen = len(events)
        elif "expect" in step and turn is not None:
            for key in step["expect"]:
                report.by_key.setdefault(key, [0, 0])[1] += 1
            failed = check(step["expect"], turn)
            failed_keys = {key for key, _, _ in failed}
            for key in step["expect"]:
                if key not in failed_keys:
                    report.by_key[key][0] += 1
            report.expectations += len(step["expect"])
            for key, expected, got in failed:
                report.failures.append(Failure(conversation["id"], index, key, expected, got))
                passed = False
    report.conversations += 1
    report.conversations_passed += int(passed)
