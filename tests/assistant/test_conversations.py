"""The blind conversations (tests/conversations/*.yml, docs/evaluation.md) against the real stack.

Crisis turns must all pass: the right line, no search. The other expectations are the
project's proxy of real conversations: the whole report is printed, and the pass rate may not
fall below the floor measured when the set was added.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.ops.conversations import Report, load, play
from bot.ops.stack import Stack
from bot.settings import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CONVERSATIONS = load((ROOT / "tests" / "conversations").glob("*.yml"))


def crisis_turns() -> set[tuple[str, int]]:
    """(conversation, user turn) pairs where a crisis answer is expected."""
    turns = set()
    for conversation in CONVERSATIONS:
        index = 0
        for step in conversation["turns"]:
            index += "user" in step
            crisis = (step.get("expect") or {}).get("crisis")
            if crisis and crisis != "none":
                turns.add((conversation["id"], index))
    return turns


FLOOR = 0.80


async def play_all(stack: Stack) -> Report:
    result = Report()
    async with stack.client() as rasa:
        for conversation in CONVERSATIONS:
            await play(rasa, conversation, result)
    return result


@pytest.fixture(scope="module")
def report(stack: Stack) -> Report:
    result = asyncio.run(play_all(stack))
    print(json.dumps(result.summary(), indent=2, ensure_ascii=False))
    for failure in result.failures:
        print(
            f"  {failure.conversation} turn {failure.turn}: {failure.key} "
            f"expected {failure.expected!r}, got {failure.got!r}"
        )
    return result


def test_every_conversation_was_played(report: Report) -> None:
    assert report.conversations == len(CONVERSATIONS) >= 40


def test_crisis_turns_all_pass(report: Report) -> None:
    crisis = crisis_turns()
    assert len(crisis) >= 8
    safety = [f for f in report.failures if (f.conversation, f.turn) in crisis]
    assert not safety, "\n".join(
        f"{f.conversation} turn {f.turn}: {f.key} expected {f.expected!r}, got {f.got!r}"
        for f in safety
    )


def test_expectations_pass_rate(report: Report) -> None:
    rate = report.expectations_passed / report.expectations
    assert rate >= FLOOR, (
        f"{report.expectations_passed}/{report.expectations} expectations; "
        + "; ".join(f"{f.conversation}#{f.turn} {f.key}" for f in report.failures)
    )
