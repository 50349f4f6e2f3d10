"""One phone's SMS spread over two Rasa servers keep their order and run once (issue 18).

Each Rasa server runs its own SMS gateway (`bot.channels.twilio_sms`); here two real
`SmsGateway`s, as two servers would hold, on one PostgreSQL database and one Redis, with the
provider sandbox. The Rasa turn is a recorder that holds the first message until the test
lets it go: without a line shared by the gateways, gateway B runs the second message while
the first is still held on A (that was the per-process queue alone).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio

from bot.channels.sms_gateway import SmsGateway
from bot.ops.sms_sandbox import FROM_NUMBER
from bot.redis_state import key
from tests.channels.channels_support import make_config, provider
from tests.shared.shared_support import Stores, shared_stores

pytestmark = pytest.mark.postgres

__all__ = ["provider", "shared_stores"]  # fixtures, imported for pytest

PHONE = "+15145550142"


class HeldTurns:
    """A stand-in for Rasa that records each turn's start and end; "un" waits for `go`."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.held = asyncio.Event()
        self.go = asyncio.Event()
        self.started: dict[str, asyncio.Event] = {}

    def started_event(self, text: str) -> asyncio.Event:
        return self.started.setdefault(text, asyncio.Event())

    async def __call__(self, text: str, sender_id: str, metadata: Any) -> list[dict[str, Any]]:
        self.log.append(f"start {text}")
        self.started_event(text).set()
        if text == "un":
            self.held.set()
            await self.go.wait()
        self.log.append(f"end {text}")
        return [{"text": f"ok {text}"}]


@pytest.fixture
async def gateways(
    shared_stores: Stores, provider: Any
) -> AsyncIterator[tuple[SmsGateway, SmsGateway, HeldTurns]]:
    turns = HeldTurns()
    config = make_config(
        provider.url,
        shared_stores.database_url,
        redis_url=shared_stores.redis_url,
        redis_prefix=shared_stores.redis_prefix,
    )
    a = await SmsGateway.open(config, runner=turns)
    b = await SmsGateway.open(config, runner=turns)
    try:
        yield a, b, turns
    finally:
        await a.close()
        await b.close()


def sms(gateway: SmsGateway, sid: str, body: str) -> Any:
    return gateway.inbound({"MessageSid": sid, "From": PHONE, "To": FROM_NUMBER, "Body": body})


async def in_line(stores: Stores, sender_id: str, count: int) -> None:
    """Until `count` tickets of the phone wait in Redis (returns at once once they do)."""
    client = redis.asyncio.Redis.from_url(stores.redis_url)
    try:
        name = key(stores.redis_prefix, "sms", "order", sender_id)
        while await client.hlen(name) < count:
            await asyncio.sleep(0.02)
    finally:
        await client.close(close_connection_pool=True)


async def test_one_phones_messages_keep_their_order_across_gateways(
    gateways: tuple[SmsGateway, SmsGateway, HeldTurns], shared_stores: Stores, provider: Any
) -> None:
    a, b, turns = gateways
    first = sms(a, "SMorder1", "un")
    await a.admit(first)
    await turns.held.wait()  # "un" is in its Rasa turn on A
    await b.admit(sms(b, "SMorder2", "deux"))  # the next message reaches B
    second_started = asyncio.ensure_future(turns.started_event("deux").wait())
    waiting = asyncio.ensure_future(in_line(shared_stores, first.sender_id, 2))
    _done, pending = await asyncio.wait(
        {second_started, waiting}, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    turns.go.set()
    await a.admit(sms(a, "SMorder3", "trois"))
    await b.drain()
    await a.drain()
    assert turns.log == ["start un", "end un", "start deux", "end deux",
                         "start trois", "end trois"]  # fmt: skip
    assert provider.to(PHONE)[-3:] == ["ok un", "ok deux", "ok trois"]


async def test_a_redelivered_message_runs_once_whichever_gateway_gets_it(
    gateways: tuple[SmsGateway, SmsGateway, HeldTurns], provider: Any
) -> None:
    a, b, turns = gateways
    turns.go.set()
    for gateway in (a, b, a, b):  # the provider retries the same MessageSid
        await gateway.admit(sms(gateway, "SMsame", "un"))
    await a.drain()
    await b.drain()
    assert turns.log == ["start un", "end un"]
    assert provider.to(PHONE)[-1] == "ok un"
    assert provider.to(PHONE).count("ok un") == 1
