"""Helpers of the schema-migration tests: old databases, their rows, their exact schema."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import MetaData, create_engine, inspect, select, text
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
    """Build the tables as the code before migrations did: each area's own `create_all`.

    Today the areas' models are still the 0001 schema. When a later revision changes one of
    these tables, build this database with `upgrade(url, "0001")` and drop `alembic_version`
    instead (the schema-equality test keeps the two ways equal).
    """
    engine = create_engine(url, future=True)
    try:
        for metadata in area_metadata(areas):
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
    """A counsellor, an escalation claimed by her, a message and a note; the escalation id."""
    from bot.handoff.store import HandoffStore

    engine = async_engine(url)
    try:
        store = HandoffStore(engine)
        counsellor = await store.add_counsellor("lea@example.org", "Léa", "hash", "fr")
        escalation = await store.create_escalation(
            sender_id="web-1",
            language="fr",
            channel="web",
            need="food",
            services=[{"id": "svc-1", "name": "Banque alimentaire"}],
        )
        assert await store.claim(escalation["id"], counsellor)
        await store.queue_outgoing(escalation["id"], "counsellor", "Bonjour!", "Léa")
        await store.add_note(escalation["id"], counsellor, "Rappeler demain")
        return str(escalation["id"])
    finally:
        await engine.dispose()


async def add_sms_rows(url: str) -> None:
    """A phone remembered (number encrypted) and a MessageSid claimed."""
    from bot.channels.sms_privacy import NumberCipher, sender_id_for
    from bot.channels.sms_store import SmsStore

    store = SmsStore(async_engine(url), NumberCipher(SECRET))
    try:
        sender = sender_id_for(NUMBER, SECRET)
        await store.remember(sender, NUMBER)
        assert await store.claim_message("SM-old-1", sender)
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
    """Every row of every project table present, sorted: to compare before and after."""
    from bot.db.metadata import metadata

    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {
                name: sorted(tuple(map(repr, row)) for row in conn.execute(select(table)))
                for name, table in metadata.tables.items()
                if name in present
            }
    finally:
        engine.dispose()


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
            frozenset(line.strip().rstrip(",") for line in (sql or "").splitlines()),
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
