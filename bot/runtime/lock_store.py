"""A conversation lock on Redis that holds across several Rasa 3.6 servers.

Why: Rasa serialises the turns of one conversation with a ticket lock (`rasa.core.lock`), and
documents `RedisLockStore` for several servers. But the open-source store issues a ticket by
reading the whole lock from Redis, adding a ticket in Python and writing the lock back
(`get_or_create_lock` → `TicketLock.issue_ticket` → `save_lock`), and releases the same way
(`finish_serving`, then `is_someone_waiting`, then `delete_lock`). Two servers that take a
ticket for the same conversation at once read the same lock and get the same number (0 for a
new conversation); the second write erases the first ticket, and both run their turn together
on the same tracker (RasaHQ/rasa issue 9213). A waiter whose ticket was erased is never served:
it logs "Failed to acquire lock" every second until someone deletes the lock, which may never
happen (issues 5396, 7921, seen under socket.io load; in `bench/lock_store.py`, the 4 processes
using Rasa's store all ended so). And numbers restart at 0
once the lock's tickets are gone, so a holder that overran its lifetime and releases late
removes the ticket of whoever got 0 after it. The fix (PR 11256, `ConcurrentRedisLockStore`)
was reverted from the open-source code (PR 11428) and lives only in Rasa Pro.
`tests/runtime/test_redis_lock_store.py` reproduces both races on Rasa's store.

How: every change to a conversation's lock is one Lua script (`lock_store.lua`), so Redis runs it
atomically, with Redis's clock (servers whose clocks disagree still agree on expiry):
- a conversation's lock is a hash at Rasa's key (`[<key_prefix>:]lock:<conversation id>`),
  ticket number → deadline; ticket numbers come from one counter shared by every conversation
  (`[<key_prefix>:]lock#seq`) that is never reset, so no number is ever given twice;
- the ticket served is the smallest live number: first come, first served;
- a ticket dies at its deadline: its lifetime (the store's `lease_seconds`, else Rasa's
  `TICKET_LOCK_LIFETIME`, default 60 s) after it was issued, or after its owner last polled,
  waiting or holding (a holder renews its lease every third of the lifetime while its turn
  runs). A dead holder or waiter blocks the conversation for at most one lifetime: `relais run
  --instances N` sets 5 s, so a killed server's conversations go on elsewhere within 5 s;
- release removes only the caller's own number (fencing): a late release is a no-op, reported;
- the script that frees or skips a ticket pushes to the next ticket's wake-up list
  (`[<key_prefix>:]lock#wake:<n>`); a waiter blocks on it (`BLPOP`) for at most
  `wait_time_in_seconds`, so the next turn starts at once, and polls otherwise.

`lock()` talks to Redis with `redis.asyncio`, so waiting never blocks Rasa's event loop; the
other methods keep Rasa's synchronous signatures. What this cannot do: stop a holder that runs
past its lifetime from finishing its turn beside the next one (a lease is a lease); such a late
release is logged as a warning. Needs Redis 6 or later (fractional `BLPOP` timeouts), not
Redis Cluster (one script touches several keys). A lock left at a key by Rasa's store (a JSON
string, which never expires) is dropped: the two stores must not serve the same conversations
side by side. Load it from `endpoints.yml` (other keys: those of `RedisLockStore`):

    lock_store:
      type: bot.runtime.lock_store.RelaisRedisLockStore
      url: redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import rasa
import rasa.core.lock_store as rasa_lock_store
import redis
import redis.asyncio
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)

SCRIPT = (Path(__file__).with_name("lock_store.lua")).read_text(encoding="utf-8")

SERVED, WAITING, GONE = 1, 0, -1
"""What the script's `poll` answers for a ticket."""

SHORTEST_PAUSE = 0.01
"""Seconds: the least a waiter waits between two polls."""

EXPECTED_RASA = "3.6."
EXPECTED_SIGNATURES: dict[str, tuple[Any, list[str]]] = {
    # How Rasa builds a lock store named by its module path (private: the reason for the check).
    "rasa.core.lock_store._load_from_module_name_in_endpoint_config": (
        lambda: rasa_lock_store._load_from_module_name_in_endpoint_config,
        ["endpoint_config"],
    ),
    # What Rasa calls (Agent, MessageProcessor, server) and this class overrides.
    "LockStore.lock": (
        lambda: LockStore.lock,
        ["self", "conversation_id", "lock_lifetime", "wait_time_in_seconds"],
    ),
    "LockStore.issue_ticket": (
        lambda: LockStore.issue_ticket,
        ["self", "conversation_id", "lock_lifetime"],
    ),
    "LockStore.finish_serving": (
        lambda: LockStore.finish_serving,
        ["self", "conversation_id", "ticket_number"],
    ),
    "LockStore.cleanup": (lambda: LockStore.cleanup, ["self", "conversation_id", "ticket_number"]),
    "LockStore._acquire_lock": (
        lambda: LockStore._acquire_lock,
        ["self", "conversation_id", "ticket", "wait_time_in_seconds"],
    ),
    # The constructor this class extends and forwards to.
    "RedisLockStore.__init__": (
        lambda: RedisLockStore.__init__,
        [
            "self",
            "host",
            "port",
            "db",
            "username",
            "password",
            "use_ssl",
            "ssl_certfile",
            "ssl_keyfile",
            "ssl_ca_certs",
            "key_prefix",
            "socket_timeout",
        ],
    ),
}


def bilingual(fr: str, en: str) -> str:
    """One message in both languages: operators of a bilingual service read either."""
    return f"{fr} / {en}"


def check_rasa() -> None:
    """Fail at construction, not mid-conversation, if Rasa is not the 3.6 this was written for."""
    version = getattr(rasa, "__version__", "?")
    problems = [] if version.startswith(EXPECTED_RASA) else [f"rasa {version}"]
    for name, (get, expected) in EXPECTED_SIGNATURES.items():
        try:
            found = list(inspect.signature(get()).parameters)
        except (AttributeError, TypeError, ValueError):
            found = None
        if found != expected:
            problems.append(f"{name}{tuple(found) if found is not None else ' (absent)'}")
    if problems:
        what = ", ".join(problems)
        raise RuntimeError(
            bilingual(
                "RelaisRedisLockStore est écrit pour Rasa 3.6 et s'appuie sur le fonctionnement "
                f"interne de son magasin de verrous ; ceci ne correspond pas : {what}. Relisez "
                "rasa/core/lock_store.py de cette version, puis adaptez bot/runtime/lock_store.py.",
                "RelaisRedisLockStore is written for Rasa 3.6 and relies on the internals of its "
                f"lock store; this does not match: {what}. Read rasa/core/lock_store.py of this "
                "version, then adapt bot/runtime/lock_store.py.",
            )
        )


def apply_url(url: str, options: dict[str, Any]) -> None:
    """Fill `options` from `redis://[user[:password]@]host[:port][/db]` (`rediss://`: TLS).

    A bare name is a host, as Rasa's `type: redis` reads `url`. What the URL states wins.
    """
    if "://" not in url:
        options["host"] = url
        return
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or parts.query or parts.fragment:
        raise ValueError(
            bilingual(
                f"URL Redis non prise en charge : {parts.scheme}://… ; attendu "
                "redis://[utilisateur[:mot de passe]@]hôte[:port][/base] (ou rediss://)",
                f"unsupported Redis URL: {parts.scheme}://…; expected "
                "redis://[user[:password]@]host[:port][/db] (or rediss://)",
            )
        )
    if parts.hostname:
        options["host"] = parts.hostname
    if parts.port:
        options["port"] = parts.port
    if parts.username:
        options["username"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    if parts.path.strip("/"):
        options["db"] = int(parts.path.strip("/"))
    if parts.scheme == "rediss":
        options["use_ssl"] = True


def redis_failed(error: redis.RedisError) -> LockError:
    """Rasa's error for a lock that cannot be had, here because Redis failed."""
    return LockError(
        bilingual(
            f"Redis en échec ou injoignable : {error}", f"Redis failed or unreachable: {error}"
        )
    )


def as_bool(value: Any) -> bool:
    """`use_ssl` from YAML is a bool, from an environment variable a string."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class RelaisRedisLockStore(RedisLockStore):
    """Rasa's `RedisLockStore` (same arguments, same keys) with atomic, fenced, expiring tickets."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        ssl_ca_certs: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
        url: str | None = None,
        endpoint_config: EndpointConfig | None = None,
        lease_seconds: float | None = None,
    ) -> None:
        """Connect as `RedisLockStore` does; `url` (or `endpoint_config.url`) wins for what it says.

        `lease_seconds` (the `lock_store:` key of that name) is the lifetime of a ticket whose
        caller does not give one, which is how Rasa's agent takes a conversation's lock: the
        holder renews it while its turn runs, so a short lease only shortens how long a dead
        process's conversations stay blocked. Default: Rasa's `TICKET_LOCK_LIFETIME` (60 s).

        Rasa builds a store named by module path as `cls(endpoint_config=…)`: the other keys of
        the `lock_store:` section arrive in `endpoint_config.kwargs`.
        """
        check_rasa()
        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "db": db,
            "username": username,
            "password": password,
            "use_ssl": use_ssl,
            "ssl_certfile": ssl_certfile,
            "ssl_keyfile": ssl_keyfile,
            "ssl_ca_certs": ssl_ca_certs,
            "key_prefix": key_prefix,
            "socket_timeout": socket_timeout,
        }
        known = {*options, "lease_seconds"}
        if endpoint_config is not None:
            unknown = sorted(set(endpoint_config.kwargs) - known)
            if unknown:
                raise ValueError(
                    bilingual(
                        f"clés inconnues dans la section lock_store : {unknown} ; "
                        f"clés possibles : url, {', '.join(sorted(known))}",
                        f"unknown keys in the lock_store section: {unknown}; "
                        f"known keys: url, {', '.join(sorted(known))}",
                    )
                )
            given = dict(endpoint_config.kwargs)
            lease_seconds = given.pop("lease_seconds", lease_seconds)
            options.update(given)
            url = endpoint_config.url or url
        if url:
            apply_url(str(url), options)
        options["port"] = int(options["port"])
        options["db"] = int(options["db"])
        options["use_ssl"] = as_bool(options["use_ssl"])
        if options["socket_timeout"] is not None:
            options["socket_timeout"] = float(options["socket_timeout"])

        super().__init__(**options)
        if not self.key_prefix.endswith(DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX):
            raise RuntimeError(
                bilingual(
                    f"préfixe de clé inattendu de RedisLockStore : {self.key_prefix!r}",
                    f"unexpected RedisLockStore key prefix: {self.key_prefix!r}",
                )
            )
        # "lock:" becomes "lock#…": no conversation key ("lock:<id>") can be one of these.
        namespace = self.key_prefix[:-1]
        self.sequence_key = namespace + "#seq"
        self.wake_prefix = namespace + "#wake:"
        self.socket_timeout: float | None = options["socket_timeout"]
        self._async_options = {
            "host": options["host"],
            "port": options["port"],
            "db": options["db"],
            "username": options["username"],
            "password": options["password"],
            "ssl": options["use_ssl"],
            "ssl_certfile": options["ssl_certfile"],
            "ssl_keyfile": options["ssl_keyfile"],
            "ssl_ca_certs": options["ssl_ca_certs"],
            "socket_timeout": options["socket_timeout"],
        }
        self.lease = float(lease_seconds) if lease_seconds else float(LOCK_LIFETIME)
        if self.lease <= 0:
            raise ValueError(
                bilingual(
                    f"lease_seconds doit être positif : {lease_seconds!r}",
                    f"lease_seconds must be positive: {lease_seconds!r}",
                )
            )
        self._script = self.red.register_script(SCRIPT)
        self._async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis, Any] | None = None

    # -- the script ------------------------------------------------------------------------

    def _arguments(
        self, conversation_id: str, operation: str, ticket: int | None, lifetime: float | None
    ) -> dict[str, list[Any]]:
        return {
            "keys": [self.key_prefix + conversation_id, self.sequence_key],
            "args": [
                operation,
                "" if ticket is None else int(ticket),
                "" if lifetime is None else milliseconds(lifetime),
                self.wake_prefix,
            ],
        }

    def _run(
        self,
        conversation_id: str,
        operation: str,
        ticket: int | None = None,
        lifetime: float | None = None,
    ) -> list[int]:
        try:
            return self._script(**self._arguments(conversation_id, operation, ticket, lifetime))
        except redis.RedisError as error:
            raise redis_failed(error) from error

    def _async_client(self) -> tuple[redis.asyncio.Redis, Any]:
        """The asyncio client of the running loop (a client cannot move between loops)."""
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            client = redis.asyncio.Redis(**self._async_options)
            self._async = (loop, client, client.register_script(SCRIPT))
        return self._async[1], self._async[2]

    async def _run_async(
        self,
        conversation_id: str,
        operation: str,
        ticket: int | None = None,
        lifetime: float | None = None,
    ) -> list[int]:
        client, script = self._async_client()
        try:
            return await script(
                client=client, **self._arguments(conversation_id, operation, ticket, lifetime)
            )
        except redis.RedisError as error:
            raise redis_failed(error) from error

    async def aclose(self) -> None:
        """Close this loop's connections (Rasa never closes its lock store; tests do)."""
        if self._async is not None and self._async[0] is asyncio.get_running_loop():
            await self._async[1].close(close_connection_pool=True)
        self._async = None
        self.red.close()

    # -- Rasa's interface ------------------------------------------------------------------

    def _lifetime(self, given: float) -> float:
        """The lease when the caller gave Rasa's default, which is how every Rasa caller (agent,
        HTTP API) takes a lock; the signatures stay Rasa's."""
        return self.lease if given == LOCK_LIFETIME else given

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, atomically: no other server can get the same number."""
        lifetime = self._lifetime(lock_lifetime)
        ticket, _served, _deadline = self._run(conversation_id, "issue", lifetime=lifetime)
        log.debug("Issued ticket %s for conversation '%s'.", ticket, conversation_id)
        return ticket

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock: take a ticket, wait for its turn, release it after.

        Cancelled (a client gone) at any point, it still gives its ticket back: otherwise a
        ticket issued just before the cancellation would hold the conversation a lifetime.
        (redis-py 4.6 on Python 3.10 can lose a cancellation that lands in its connection check,
        `async_timeout(0)`, or in a write, Python 3.10's `asyncio.wait_for`: that turn then
        runs and releases as if never cancelled.)
        """
        lock_lifetime = self._lifetime(lock_lifetime)
        issuing = asyncio.ensure_future(
            self._run_async(conversation_id, "issue", lifetime=lock_lifetime)
        )
        try:
            ticket, served, deadline = await asyncio.shield(issuing)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                ticket, _served, _deadline = await issuing
                await self._run_async(conversation_id, "release", ticket)
            raise
        held = False
        try:
            if not served:
                deadline = await self._wait_for_turn(
                    conversation_id, ticket, lock_lifetime, wait_time_in_seconds
                )
            log.debug("Acquired lock for conversation '%s' (ticket %s).", conversation_id, ticket)
            held = True
            done = asyncio.Event()
            renewing = asyncio.ensure_future(
                self._keep_alive(conversation_id, ticket, lock_lifetime, done)
            )
            try:
                yield TicketLock(conversation_id, deque([Ticket(ticket, deadline / 1000)]))
            finally:
                done.set()
                with contextlib.suppress(Exception):
                    await asyncio.shield(renewing)
        finally:
            released = await asyncio.shield(self._release_async(conversation_id, ticket))
            if held and released is not None:
                self._report_release(conversation_id, ticket, released)

    async def _release_async(self, conversation_id: str, ticket: int) -> int | None:
        """Give the ticket back (1: released, 0: it had expired), tried twice: a connection
        Redis dropped is opened again at the second try. If Redis is still unreachable,
        None: the ticket expires by itself within its lifetime. Never an error: the turn has
        run and its tracker is saved, so failing now would only make the client send the
        message again and record it twice."""
        for attempt in (1, 2):
            try:
                (released,) = await self._run_async(conversation_id, "release", ticket)
                return int(released)
            except LockError as error:
                if attempt == 2:
                    log.warning(
                        "Ticket %s of conversation '%s' could not be released (%s); it "
                        "expires by itself within its lifetime.",
                        ticket,
                        conversation_id,
                        error,
                    )
        return None

    async def _keep_alive(
        self, conversation_id: str, ticket: int, lifetime: float, done: asyncio.Event
    ) -> None:
        """While its turn runs, the holder renews its lease every third of the lifetime: a
        turn longer than the lifetime keeps the conversation, and a dead process frees it one
        lifetime after its last sign of life (so several instances can run a short lifetime,
        `TICKET_LOCK_LIFETIME`). A renewal Redis misses is tried again at the next beat."""
        while not done.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), lifetime / 3)
                return
            with contextlib.suppress(LockError):
                await self._run_async(conversation_id, "poll", ticket, lifetime)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's private waiting step, for any caller of it: the same wait as `lock()`."""
        deadline = await self._wait_for_turn(
            conversation_id, ticket, self.lease, wait_time_in_seconds
        )
        return TicketLock(conversation_id, deque([Ticket(ticket, deadline / 1000)]))

    async def _wait_for_turn(
        self, conversation_id: str, ticket: int, lifetime: float, wait_time_in_seconds: float
    ) -> int:
        """Wait until `ticket` is served; return its deadline (ms). Each poll keeps it alive."""
        client, _script = self._async_client()
        pause = max(SHORTEST_PAUSE, min(wait_time_in_seconds, lifetime / 3))
        if self.socket_timeout:
            pause = min(pause, self.socket_timeout / 2)
        while True:
            try:
                await client.blpop([self.wake_prefix + str(ticket)], timeout=pause)
            except redis.RedisError as error:
                raise redis_failed(error) from error
            state, deadline = await self._run_async(conversation_id, "poll", ticket, lifetime)
            if state == SERVED:
                return deadline
            if state == GONE:
                raise LockError(
                    bilingual(
                        f"le ticket {ticket} de la conversation '{conversation_id}' a expiré "
                        f"avant son tour (pas de nouvelles de son processus pendant {lifetime} s)",
                        f"ticket {ticket} of conversation '{conversation_id}' expired before "
                        f"its turn (no sign of life from its process for {lifetime} s)",
                    )
                )
            log.debug("Ticket %s of conversation '%s' waits for its turn.", ticket, conversation_id)

    def release(self, conversation_id: str, ticket_number: int) -> bool:
        """Remove this ticket only; False if it had already expired (nothing else changes)."""
        (released,) = self._run(conversation_id, "release", ticket_number)
        self._report_release(conversation_id, ticket_number, released)
        return bool(released)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Release `ticket_number` (fenced: never someone else's turn)."""
        self.release(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Release `ticket_number`; the script deletes the lock when it was the last ticket."""
        self.release(conversation_id, ticket_number)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The live tickets, in order (a snapshot: change it through this store only)."""
        flat = self._run(conversation_id, "snapshot")
        if not flat:
            return None
        tickets = [
            Ticket(number, deadline / 1000)
            for number, deadline in zip(flat[::2], flat[1::2], strict=True)
        ]
        return TicketLock(conversation_id, deque(tickets))

    def update_lock(self, conversation_id: str) -> None:
        """Drop the expired tickets (the snapshot script does it, atomically)."""
        self._run(conversation_id, "snapshot")

    def save_lock(self, lock: TicketLock) -> None:
        """Refused: writing a whole lock back is the race this class exists to remove."""
        raise NotImplementedError(
            bilingual(
                "RelaisRedisLockStore n'écrit jamais un verrou entier (c'est la course de "
                "RedisLockStore) ; utilisez issue_ticket, lock, release",
                "RelaisRedisLockStore never writes a whole lock back (that is RedisLockStore's "
                "race); use issue_ticket, lock, release",
            )
        )

    @staticmethod
    def _report_release(conversation_id: str, ticket: int, released: int) -> None:
        if released:
            log.debug("Released ticket %s of conversation '%s'.", ticket, conversation_id)
        else:
            log.warning(
                "Ticket %s of conversation '%s' had expired before its release: the turn "
                "outlived lock_lifetime (TICKET_LOCK_LIFETIME), and the next turn may have "
                "started beside it.",
                ticket,
                conversation_id,
            )


def milliseconds(seconds: float) -> int:
    """A lifetime for the script: whole milliseconds, at least one."""
    return max(1, round(float(seconds) * 1000))
