"""Services by id, for the conversation (questions about the cards shown).

The action server reads a few services per question; one engine per process and database URL
keeps its connection pool instead of opening the database each time.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine

from bot.directory.store import create_engine_from_url, get_service


@lru_cache(maxsize=2)
def _engine(url: str) -> Engine:
    return create_engine_from_url(url)


def services_by_id(
    ids: Iterable[str], language: str, database_url: str | None = None
) -> dict[str, dict[str, Any]]:
    """Each service found, as HSDS `service_full` JSON with its texts in `language` where
    translated; ids no longer in the directory (an import since) are left out."""
    if database_url is None:
        from bot.settings import get_settings

        database_url = get_settings().database_url
    found: dict[str, dict[str, Any]] = {}
    with _engine(database_url).connect() as conn:
        for service_id in dict.fromkeys(ids):
            record = get_service(conn, service_id, language)
            if record is not None:
                found[service_id] = record
    return found
