"""Helpers of the schema-migration tests: old databases, their rows, their exact schema."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.directory.store import async_url, create_async_engine_from_url
from bot.settings import REFERENCE_DIR, ROOT

HSDS_SAMPLE = REFERENCE_DIR / "hsds" / "v3.0" / "examples" / "csv"
SECRET = "db-test-secret"
NUMBER = "+15145550123"


def async_engine(url: str) -> AsyncEngine:
    """The stores' async engine; for a PostgreSQL test schema, asyncpg takes `search_path` as
    a server setting instead of libpq's `options`."""
    if "options=" not in url:
        return create_async_engine_from_url(url)
    parts = urlsplit(url)
    schema = unquote(parse_qs(parts.query)["options"][0]).split("search_path=")[1]
    return create_async_engine(
        str(async_url(parts._replace(query="").geturl())),
        connect_args={"server_settings": {"search_path": schema}},
    )


def area_metadata(areas: tuple[str, ...] | None = None) -> list[MetaData]:
    """The `MetaData` each area ran `create_all` on before migrations existed."""
    from bot.db.metadata import AREAS

    return [metadata for name, metadata in AREAS.items() if areas is None or name in areas]


def create_all_like_before(url: str, areas: tuple[str, ...] | None = None) -> None:
    """Build the tables as the code before migrations did: each area's own `create_all` of
    the 0001 schema, with no `alembic_version`.

    The models have moved on since (revision 0002), so the history builds 0001 and forgets
    it: the tables of the areas not asked for, and `alembic_version`, are dropped.
    """
    from bot.db import upgrade

    upgrade(url, "0001")
    keep = {table for metadata in area_metadata(areas) for table in metadata.tables}
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            present = MetaData()
            present.reflect(conn)
            drop = [t for name, t in present.tables.items() if name not in keep]
            present.drop_all(conn, tables=drop)
    finally:
        engine.dispose()


def create_all_of_the_models(url: str) -> None:
    """Every table as the models describe it today (`create_all`), to compare with the
    history's result."""
    engine = create_engine(url, future=True)
    try:
        for metadata in area_metadata():
            metadata.create_all(engine)
    finally:
        engine.dispose()


def insert_hsds_sample(url: str) -> int:
    """The official HSDS 3.0 CSV examples, one row per table, written straight to the tables
    (the import code would migrate the database first); returns the rows written."""
    from bot.directory.importer import read_source
    from bot.directory.schema import TABLES

    tables = read_source(HSDS_SAMPLE).tables
    engine = create_engine(url, future=True)
    written = 0
    try:
        with engine.begin() as conn:
            for name, table in TABLES.items():
                if tables.get(name):
                    conn.execute(table.insert(), tables[name])
                    written += len(tables[name])
    finally:
        engine.dispose()
    return written


async def add_handoff_rows(url: str) -> str:
    """A counsellor, an escalation claimed by her, a message and a note; the escalation id.

    Written with the tables found in the database (reflected), as the code of its time
    would have: the same rows fit a 0001 database and a newer one."""
    engine = async_engine(url)
    try:
        async with engine.begin() as conn:
            tables = await conn.run_sync(_reflect)
            counsellor = await conn.execute(
                tables["handoff_counsellor"].insert().values(
                    email="lea@example.org", name="Léa", password_hash="hash", language="fr",
                    active=True, created_at=1.0)
            )  # fmt: skip
            counsellor_id = counsellor.inserted_primary_key[0]
            await conn.execute(
                tables["handoff_escalation"].insert().values(
                    id="esc-1", sender_id="web-1", language="fr", channel="web", need="food",
                    services='[{"id": "svc-1", "name": "Banque alimentaire"}]', status="active",
                    created_at=2.0, claimed_by=counsellor_id, claimed_at=3.0, last_event_ts=0.0)
            )  # fmt: skip
            await conn.execute(
                tables["handoff_message"].insert().values(
                    escalation_id="esc-1", direction="counsellor", author="Léa", text="Bonjour!",
                    created_at=4.0, dedupe_key="out:1", status="pending")
            )  # fmt: skip
            await conn.execute(
                tables["handoff_note"].insert().values(
                    escalation_id="esc-1", counsellor_id=counsellor_id, text="Rappeler demain",
                    created_at=5.0)
            )  # fmt: skip
        return "esc-1"
    finally:
        await engine.dispose()


def _reflect(conn: Connection) -> dict[str, Any]:
    found = MetaData()
    found.reflect(conn)
    return dict(found.tables)


async def add_sms_rows(url: str) -> None:
    """A phone remembered (number encrypted) and a MessageSid claimed."""
    from bot.channels.sms_privacy import NumberCipher, sender_id_for
    from bot.channels.sms_store import SmsStore

    store = SmsStore(async_engine(url), NumberCipher(SECRET))
    try:
        sender = sender_id_for(NUMBER, SECRET)
        await store.remember(sender, NUMBER)
        async with store.engine.begin() as conn:  # the columns of its time (reflected)
            tables = await conn.run_sync(_reflect)
            await conn.execute(
                tables["sms_inbound"]
                .insert()
                .values(message_sid="SM-old-1", sender_id=sender, received_at=datetime(2026, 11, 1))
            )
    finally:
        await store.close()


def add_vector_row(url: str) -> None:
    from bot.search.vectors import text_embedding

    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(
                text_embedding.insert(),
                {"model": "m", "text_hash": "h", "dim": 2, "vector": b"\x00" * 8},
            )
    finally:
        engine.dispose()


def fill_old_database(url: str) -> None:
    """Rows in the directory, search, handoff and SMS tables of an old database."""
    assert insert_hsds_sample(url) > 0
    add_vector_row(url)
    asyncio.run(add_handoff_rows(url))
    asyncio.run(add_sms_rows(url))


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every project table present, sorted, each row as its (column, value)
    pairs: to compare before and after (`kept`)."""
    from bot.db.metadata import metadata

    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            found = MetaData()
            found.reflect(conn)
            return {
                name: sorted(
                    tuple(sorted((key, repr(value)) for key, value in row._mapping.items()))
                    for row in conn.execute(select(table))
                )
                for name, table in found.tables.items()
                if name in metadata.tables
            }
    finally:
        engine.dispose()


def kept(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> bool:
    """Whether every row of `before` is in `after` unchanged, and no row was added to those
    tables (columns added since are left out of the comparison)."""
    for name, rows in before.items():
        columns = {key for key, _ in rows[0]} if rows else set()
        projected = sorted(
            tuple(pair for pair in row if pair[0] in columns) for row in after.get(name, [])
        )
        if projected != rows:
            return False
    return True


def _ddl_line(line: str) -> str:
    """One line of DDL, trimmed; a table rebuilt by a migration (batch mode: created under a
    temporary name, then renamed) has its name quoted by SQLite, which changes nothing."""
    line = line.strip().rstrip(",")
    if line.startswith("CREATE TABLE "):
        line = line.replace('"', "")
    return line


def _sqlite_schema(conn: Connection) -> set[tuple]:
    """Each object's DDL as a set of lines: the order of constraints may differ, nothing else."""
    rows = conn.execute(
        text(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'"
        )
    )
    return {
        (
            kind,
            name,
            table,
            frozenset(_ddl_line(line) for line in (sql or "").splitlines()),
        )
        for kind, name, table, sql in rows
    }


def _postgres_schema(conn: Connection) -> set[tuple]:
    """Columns, constraints and indexes of the current schema, without its (random) name."""
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    columns = conn.execute(
        text(
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
            "column_default FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name != 'alembic_version'"
        )
    )
    constraints = conn.execute(
        text(
            "SELECT rel.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid "
            "WHERE rel.relnamespace = current_schema()::regnamespace "
            "AND rel.relname != 'alembic_version'"
        )
    )
    indexes = conn.execute(
        text(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename != 'alembic_version'"
        )
    )
    return (
        {("column", *row) for row in columns}
        | {("constraint", *row) for row in constraints}
        | {("index", table, name, sql.replace(f"{schema}.", "")) for table, name, sql in indexes}
    )


def schema_of(url: str) -> set[tuple]:
    """The database's project schema, comparable across databases of the same dialect."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                return _sqlite_schema(conn)
            return _postgres_schema(conn)
    finally:
        engine.dispose()


def relais(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    """`relais …` as a person runs it: a new process, the installed entry point's module."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--lang", lang],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def project_tables() -> set[str]:
    from bot.db.metadata import metadata

    return set(metadata.tables)


def write_revision(folder: Path, name: str, body: str) -> Path:
    """A throwaway revision file for the tests' own version folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path
