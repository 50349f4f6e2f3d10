"""The local servers some tests need (PostgreSQL, Redis), and what to do when one is down.

Unreachable: `pytest.skip` with the reason, or `pytest.fail` under `CI=true`, where these
servers are part of the contract (they run on every machine of this project).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def redis_url() -> str:
    """The Redis to test against (`RELAIS_TEST_REDIS_URL`, or the local default)."""
    return os.environ.get("RELAIS_TEST_REDIS_URL") or DEFAULT_REDIS_URL


def require_redis() -> str:
    """The URL if Redis answers; otherwise skip (or fail under CI) with the reason."""
    import redis

    url = redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis unreachable at {url}: {exc!r}")
    finally:
        client.close()
    return url


@contextmanager
def redis_prefix(stem: str) -> Iterator[str]:
    """A Redis key prefix of the caller's own (`stem` + random); every key under it is
    deleted afterwards. Skips (or fails under CI) when Redis does not answer."""
    import redis

    url = require_redis()
    name = stem + uuid.uuid4().hex[:12]
    try:
        yield name
    finally:
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=f"{name}:*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()
