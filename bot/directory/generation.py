"""The directory's generation: a number in the database that goes up with every committed
import, read by the running processes to know when their copy (the search index) is stale.

The bump happens inside the import's own transaction (`store.load_tables`), so a process that
sees the new number also sees the new rows; a failed import changes neither. Readers compare
it at most every `check_interval()` seconds (`RELAIS_DIRECTORY_CHECK_SECONDS`, default 15):
a new directory is served within that time plus one index build, without a restart.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import Column, Float, Integer, MetaData, Table, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()

generation_table = Table(
    "directory_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", Integer, nullable=False),
    Column("changed_at", Float, nullable=False),
)

DEFAULT_CHECK_SECONDS = 15.0


def check_interval() -> float:
    """Seconds between two reads of the generation by a running process."""
    try:
        return max(0.0, float(os.environ.get("RELAIS_DIRECTORY_CHECK_SECONDS", "")))
    except ValueError:
        return DEFAULT_CHECK_SECONDS


def bump(conn: Connection) -> None:
    """Add one to the generation, in the caller's transaction."""
    done = conn.execute(
        update(generation_table)
        .where(generation_table.c.id == 1)
        .values(generation=generation_table.c.generation + 1, changed_at=time.time())
    )
    if done.rowcount == 0:
        conn.execute(generation_table.insert().values(id=1, generation=1, changed_at=time.time()))


def read(conn: Connection) -> int:
    """The current generation (0 before the first import, or on a database without the table)."""
    try:
        value = conn.execute(
            select(generation_table.c.generation).where(generation_table.c.id == 1)
        ).scalar()
    except SQLAlchemyError:
        return 0
    return int(value or 0)


async def read_async(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await conn.run_sync(read)


class Watch:
    """When a copy of the directory should look at the generation again."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = check_interval() if interval is None else interval
        self.checked = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.checked < self.interval:
            return False
        self.checked = now
        return True
