"""The conversation lock of one Rasa server, where a waiting message keeps its place.

Why: Rasa serialises the turns of one conversation with a ticket lock. Its default
`InMemoryLockStore` gives each ticket a deadline of `lock_lifetime` (60 s) from the moment it
is *issued*, and a waiter whose ticket passed its deadline is dropped: `LockError`, the
message is never processed and the person gets no answer. Several messages sent while the
assistant is slow (a person who writes in three short lines, a busy machine) add up to more
than a minute of waiting, and the last ones are lost; the fuzz benchmark lost dozens so
(`python -m bench fuzz`, socket.io part). Waiters also poll once a second, so each queued
message waits up to a second more than needed.

How: the same rules as the shared store of several servers (`bot.runtime.lock_store`), in
memory: a waiting ticket's deadline moves forward each time its owner polls (a live waiter
never expires, a dead one is gone one lifetime later), the holder's lease starts when it is
served, ticket numbers are never given twice (a late release removes only its own ticket), and
a release wakes the next waiter at once. Loaded from `endpoints.yml`:

    lock_store:
      type: bot.runtime.memory_lock_store.RelaisInMemoryLockStore
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError

from bot.runtime.lock_store import bilingual, check_rasa


class RelaisInMemoryLockStore(InMemoryLockStore):
    """Rasa's in-memory lock store whose waiters keep their place and wake at a release."""

    def __init__(self, endpoint_config: Any = None) -> None:
        check_rasa()
        super().__init__()
        self._numbers = itertools.count(1)
        self._turn_over: dict[str, asyncio.Event] = {}

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A ticket numbered from the store's counter, so no number is ever given twice."""
        lock = self.get_or_create_lock(conversation_id)
        lock.remove_expired_tickets()
        number = next(self._numbers)
        lock.tickets.append(Ticket(number, time.time() + lock_lifetime))
        self.save_lock(lock)
        return number

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock; wait for the turns before this one, however long."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._wait_for_turn(
                conversation_id, ticket, lock_lifetime, wait_time_in_seconds
            )
        finally:
            self.cleanup(conversation_id, ticket)
            event = self._turn_over.pop(conversation_id, None)
            if event is not None:
                event.set()

    async def _wait_for_turn(
        self, conversation_id: str, ticket: int, lifetime: float, pause: float
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            mine = next((t for t in lock.tickets if t.number == ticket), None) if lock else None
            if lock is None or mine is None:
                # Only if this loop did not run for a whole lifetime (a blocked event loop).
                raise LockError(
                    bilingual(
                        f"Ticket {ticket} de la conversation {conversation_id} expiré en attente.",
                        f"Ticket {ticket} of conversation {conversation_id} expired waiting.",
                    )
                )
            mine.expires = time.time() + lifetime
            lock.remove_expired_tickets()
            if not lock.is_locked(ticket):
                return lock
            released = self._turn_over.setdefault(conversation_id, asyncio.Event())
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(released.wait(), pause)
