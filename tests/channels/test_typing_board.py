"""Who is typing, as the console asks it (bot/channels/typing_board.py): local with one
instance; on Redis with several, where a mark made through one Rasa server is seen through
another (the person's socket and the counsellor's web app may be on different instances)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.channels import typing_board
from bot.channels.typing_board import LocalTypingBoard, RedisTypingBoard
from tests.services import redis_prefix, redis_url


@pytest.fixture
def prefix() -> Iterator[str]:
    with redis_prefix("relaistyping") as name:
        yield name


async def wait_until_gone(board: typing_board.TypingBoard, sender: str) -> None:
    while await board.typing([sender]):  # pytest-timeout ends a real hang
        await asyncio.sleep(0.02)


async def test_local_marks_answer_in_the_order_asked_and_expire(monkeypatch) -> None:
    board = LocalTypingBoard()
    await board.mark("b")
    await board.mark("a")
    assert await board.typing(["a", "c", "b"]) == ["a", "b"]
    monkeypatch.setattr(typing_board, "TYPING_FRESH", 0.05)
    await wait_until_gone(board, "a")
    assert await board.typing(["a", "b"]) == [] and board.typed_at == {}


async def test_a_flood_of_made_up_ids_cannot_grow_the_local_board(monkeypatch) -> None:
    monkeypatch.setattr(typing_board, "MAX_MARKS", 3)
    board = LocalTypingBoard()
    for n in range(10):
        await board.mark(f"s{n}")
    assert len(board.typed_at) == 3
    await board.mark("s0")  # one already there is still refreshed
    assert await board.typing(["s0"]) == ["s0"]


async def test_marks_on_redis_are_seen_by_every_instance(prefix: str, monkeypatch) -> None:
    one, two = RedisTypingBoard(redis_url(), prefix), RedisTypingBoard(redis_url(), prefix)
    other_installation = RedisTypingBoard(redis_url(), prefix + "x")
    try:
        await one.mark("person-1")
        assert await two.typing(["person-2", "person-1"]) == ["person-1"]
        assert await other_installation.typing(["person-1"]) == []
        assert await two.typing([]) == []
        monkeypatch.setattr(typing_board, "TYPING_FRESH", 0.2)
        await two.mark("person-2")
        await wait_until_gone(one, "person-2")  # the key expires by itself
    finally:
        for board in (one, two, other_installation):
            await board.client.aclose()


async def test_redis_down_shows_nobody_typing_and_fails_nothing() -> None:
    board = RedisTypingBoard("redis://127.0.0.1:1/0", "relais")
    await board.mark("person-1")
    assert await board.typing(["person-1"]) == []
    await board.client.aclose()


def test_the_board_follows_the_redis_setting() -> None:
    assert isinstance(typing_board.typing_board("", "relais"), LocalTypingBoard)
    assert isinstance(typing_board.typing_board(redis_url(), "relais"), RedisTypingBoard)
