"""The order of one phone's messages across several Rasa servers (each runs an SMS gateway).

One gateway orders a phone's messages with its own queue (`SmsGateway.accept`). Behind a
balancer, a burst from one phone is spread over several servers, and each would run its share
at once: the second message could be answered before the first, or "2" be read against the
options of a reply not sent yet. With `RELAIS_REDIS_URL`, each message takes a ticket from
Redis when its webhook arrives, and its turn runs only when every earlier ticket of that phone
is done, on whatever server it was taken: the same ticket lock as the Rasa conversation lock
(`bot/runtime/lock_store.lua`: one atomic script, first come first served, fenced release,
expiry), under keys of its own (`<prefix>:sms:order:<sender id>`).

A waiting message keeps its ticket alive by asking for its turn every `POLL` seconds; a
ticket whose server died expires after `TURN_LIFETIME`. A ticket that cannot be had (Redis
down) or that expired does not lose the message: it runs unordered, with a warning. Without
Redis, `LocalOrder` adds nothing and the gateway's per-phone queue keeps the order.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol

import redis

from bot.redis_state import LoopClient, key

log = logging.getLogger(__name__)

SCRIPT = (Path(__file__).parent.parent / "runtime" / "lock_store.lua").read_text("utf-8")
SERVED, GONE = 1, -1
TURN_LIFETIME = 120.0
"""Seconds a served ticket may hold the phone (a Rasa turn and the replies' sending)."""
POLL = 0.5
"""Seconds a waiter blocks on its wake-up list before asking again (and staying alive)."""


class PhoneOrder(Protocol):
    async def ticket(self, sender_id: str) -> int | None:
        """A place in the phone's line, taken when the message arrives (None: no line)."""
        ...

    def turn(
        self, sender_id: str, ticket: int | None
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """Wait for the ticket's turn, hold it for the block, then give it back."""
        ...


class LocalOrder:
    """One gateway: its per-phone queue is the order."""

    async def ticket(self, sender_id: str) -> int | None:
        return None

    @asynccontextmanager
    async def turn(self, sender_id: str, ticket: int | None) -> AsyncIterator[None]:
        yield


class RedisOrder:
    """The phone's line in Redis, shared by every gateway."""

    def __init__(self, url: str, prefix: str, lifetime: float = TURN_LIFETIME) -> None:
        self.client = LoopClient(url)
        self.prefix = key(prefix, "sms", "order")
        self.lifetime_ms = max(1, int(lifetime * 1000))

    async def _run(self, sender_id: str, operation: str, ticket: int | None = None) -> list[int]:
        client = self.client.get()
        return await client.eval(
            SCRIPT,
            2,
            key(self.prefix, sender_id),
            self.prefix + "#seq",
            operation,
            "" if ticket is None else int(ticket),
            self.lifetime_ms if operation in ("issue", "poll") else "",
            self.prefix + "#wake:",
        )

    async def ticket(self, sender_id: str) -> int | None:
        try:
            number, _served, _deadline = await self._run(sender_id, "issue")
        except (redis.RedisError, OSError) as error:
            log.warning("SMS from %s taken out of order, Redis failed: %s", sender_id, error)
            return None
        return int(number)

    @asynccontextmanager
    async def turn(self, sender_id: str, ticket: int | None) -> AsyncIterator[None]:
        if ticket is None:
            yield
            return
        try:
            await self._wait(sender_id, ticket)
        except (redis.RedisError, OSError) as error:
            log.warning("SMS from %s handled out of order, Redis failed: %s", sender_id, error)
        try:
            yield
        finally:
            with contextlib.suppress(redis.RedisError, OSError):
                await self._run(sender_id, "release", ticket)

    async def _wait(self, sender_id: str, ticket: int) -> None:
        client = self.client.get()
        while True:
            state, _deadline = await self._run(sender_id, "poll", ticket)
            if state == SERVED:
                return
            if state == GONE:
                log.warning("SMS ticket %s of %s expired while waiting: handled now", ticket,
                            sender_id)  # fmt: skip
                return
            await client.blpop([self.prefix + "#wake:" + str(ticket)], timeout=POLL)

    async def aclose(self) -> None:
        await self.client.aclose()


def phone_order(redis_url: str, prefix: str) -> PhoneOrder:
    """Redis's line when several gateways may share phones, else the local queue alone."""
    return RedisOrder(redis_url, prefix) if redis_url else LocalOrder()
