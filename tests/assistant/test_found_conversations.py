"""Conversations a tester had with the running assistant that went wrong, replayed against the
real stack (tests/assistant/found/*.yml, same format and expectation keys as
tests/conversations: docs/evaluation.md). Unlike that blind set, every expectation here must
hold: each file is a mistake that was fixed, in French or English, with phrasings that are not
in the training data."""

from __future__ import annotations

import asyncio

import pytest

from bot.ops.conversations import Report, load, play
from bot.ops.stack import Stack
from bot.settings import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FOUND = load((ROOT / "tests" / "assistant" / "found").glob("*.yml"))


@pytest.mark.parametrize("conversation", FOUND, ids=[c["id"] for c in FOUND])
def test_a_conversation_that_went_wrong_now_goes_right(stack: Stack, conversation: dict) -> None:
    async def replay() -> Report:
        report = Report()
        async with stack.client() as rasa:
            await play(rasa, conversation, report)
        return report

    report = asyncio.run(replay())
    assert report.expectations >= 2
    assert not report.failures, "\n".join(
        f"turn {f.turn}: {f.key} expected {f.expected!r}, got {f.got!r}" for f in report.failures
    )
