"""Counsellor credentials, the secret key and CSRF tokens.

Passwords are hashed with Argon2id (argon2-cffi defaults: about 50 ms of CPU and 64 MiB each).
Logins check them on a small executor of their own (`PasswordChecker`), with a bounded line:
a burst of logins waits there or is told to come back, and never takes the threads and cores
the API and the console need. The secret (HMAC of the login throttle's keys) comes from
`RELAIS_SECRET_KEY`; when unset, one is generated once and kept in `var/secret_key` (mode 600).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot import secret_files
from bot.settings import SECRET_KEY_FILE

SECRET_FILE = SECRET_KEY_FILE
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password shorter than {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not-a-real-password")


def burn_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email takes as long as a wrong password."""
    verify_password(_DUMMY_HASH, password)


T = TypeVar("T")
ARGON2_THREADS = 2
"""Password checks at the same time (one core each at most)."""
ARGON2_QUEUE = 16
"""Logins allowed to wait for a thread; more are answered "busy" at once."""


class PasswordCheckerBusy(RuntimeError):
    """Too many logins are waiting: the caller answers 503 and the person tries again."""


class PasswordChecker:
    """Runs Argon2 work on its own threads, `threads` at a time, at most `queue` waiting."""

    def __init__(self, threads: int = ARGON2_THREADS, queue: int = ARGON2_QUEUE) -> None:
        self.threads = threads
        self.capacity = threads + queue
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="argon2")
        self.in_flight = 0

    async def run(self, work: Callable[..., T], *args: object) -> T:
        if self.in_flight >= self.capacity:
            raise PasswordCheckerBusy()
        self.in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, work, *args)
        finally:
            self.in_flight -= 1

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """The password check; an unknown account (`None`) takes as long and fails."""
        if password_hash is None:
            await self.run(burn_time, password)
            return False
        return await self.run(verify_password, password_hash, password)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def secret_key(configured: str, path: Path = SECRET_FILE) -> str:
    """The configured secret, or the persisted generated one (`bot.secret_files`)."""
    return configured or secret_files.read_or_create(path)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
