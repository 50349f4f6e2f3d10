"""The directory database: engines, loading and dumping flat tables, reading nested records.

Works on SQLite (the default, `var/relais.db`) and PostgreSQL with the same code. Loading
is an upsert by id in one transaction, so importing the same data twice changes nothing and
a failure half-way leaves the database as it was. Readers take a *sync* connection; the web
app calls them through `AsyncConnection.run_sync`, so there is one implementation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.directory.hsds import NESTING, Tables, nest
from bot.directory.schema import TABLES, metadata
from bot.settings import get_settings

BATCH = 5_000
"""Rows per executemany: large enough to be fast, small enough to keep memory flat."""

IN_CHUNK = 500
"""Ids per `IN (…)` clause: stays under every SQLite build's bound-parameter limit."""


def _ensure_sqlite_folder(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the web app read while an import writes; foreign keys are off by default; a
    64 MB page cache keeps index pages of a large import in memory."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine_from_url(url: str | None = None) -> Engine:
    """A sync engine for `url` (default: `RELAIS_DATABASE_URL`, i.e. `sqlite:///var/relais.db`).

    For SQLite the parent folder is created and WAL plus foreign keys are switched on.
    """
    sa_url = make_url(url or get_settings().database_url)
    if sa_url.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(sa_url)
        engine = create_engine(sa_url, future=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(sa_url, future=True, pool_pre_ping=True)


def async_url(url: str) -> URL:
    """`sqlite:///x.db` → `sqlite+aiosqlite:///x.db`, `postgresql://…` → `postgresql+asyncpg://…`."""
    sa_url = make_url(url)
    backend = sa_url.get_backend_name()
    if backend == "sqlite":
        return sa_url.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return sa_url.set(drivername="postgresql+asyncpg")
    return sa_url


def create_async_engine_from_url(url: str | None = None) -> AsyncEngine:
    """The async twin of `create_engine_from_url`, for the web app."""
    sa_url = async_url(url or get_settings().database_url)
    if sa_url.get_backend_name() == "sqlite":
        _ensure_sqlite_folder(sa_url)
        engine = create_async_engine(sa_url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(sa_url, pool_pre_ping=True)


def init_db(engine: Engine) -> None:
    """Create the tables that do not exist yet (idempotent)."""
    metadata.create_all(engine)


# --- writing ------------------------------------------------------------------------------

def _upsert(conn: Connection, table_name: str) -> Any:
    """An INSERT … ON CONFLICT DO UPDATE for the connection's dialect."""
    table = TABLES[table_name]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(conn.dialect.name)
    statement = insert(table)
    if table_name == "x_translation":
        # One translation per (record, field, language), whatever id a file gave it.
        keys = ["link_entity", "link_id", "field", "language"]
    else:
        keys = ["id"]
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def load_tables(engine: Engine, tables: Tables, *, progress: bool = False) -> dict[str, int]:
    """Upsert flat tables by id, parents first, in ONE transaction; returns rows per table.

    The data is expected to be validated (`bot.directory.validation`); a database error still
    rolls everything back. Missing columns are stored as NULL.
    """
    from tqdm import tqdm

    init_db(engine)
    order = [name for name in TABLES if tables.get(name)]
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown tables: {', '.join(unknown)}")
    total = sum(len(tables[name]) for name in order)
    counts: dict[str, int] = {}
    with tqdm(total=total, unit="rows", file=sys.stderr, disable=not progress,
              desc="HSDS") as bar, engine.begin() as conn:
        for name in order:
            write = _writer(conn, name)
            rows = tables[name]
            for chunk in _batches(rows, BATCH):
                write(chunk)
                bar.update(len(chunk))
            counts[name] = len(rows)
    return counts


def _writer(conn: Connection, table_name: str) -> Any:
    """A function upserting a batch of rows. On SQLite the statement is compiled once and
    rows go to the driver as tuples: SQLAlchemy's per-row parameter processing would
    otherwise cost a third of a large import."""
    statement = _upsert(conn, table_name)
    if conn.dialect.name == "sqlite":
        compiled = statement.compile(dialect=conn.dialect)
        sql, order = str(compiled), list(compiled.positiontup)

        def write_sqlite(rows: list[dict[str, Any]]) -> None:
            conn.exec_driver_sql(sql, [tuple(row.get(c) for c in order) for row in rows])

        return write_sqlite
    names = [c.name for c in TABLES[table_name].columns]

    def write(rows: list[dict[str, Any]]) -> None:
        conn.execute(statement, [{c: row.get(c) for c in names} for row in rows])

    return write


# --- reading ------------------------------------------------------------------------------

def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = list(values)
    for start in range(0, len(items), IN_CHUNK):
        yield items[start:start + IN_CHUNK]


def _rows(conn: Connection, table_name: str, column: str, values: Iterable[str]) -> list[dict]:
    table = TABLES[table_name]
    found: list[dict] = []
    for chunk in _chunks(sorted(set(values))):
        result = conn.execute(select(table).where(table.c[column].in_(chunk)))
        found.extend(dict(row) for row in result.mappings())
    return found


def existing_ids(conn: Connection, table_name: str, ids: Iterable[str]) -> set[str]:
    """The subset of `ids` present in `table_name` (for reference checks before an import)."""
    table = TABLES[table_name]
    found: set[str] = set()
    for chunk in _chunks(set(ids)):
        found.update(conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars())
    return found


def dump_tables(engine: Engine) -> Tables:
    """Every table, every row (ordered by id): the inverse of `load_tables`."""
    init_db(engine)
    tables: Tables = {}
    with engine.connect() as conn:
        for name, table in TABLES.items():
            result = conn.execute(select(table).order_by(table.c.id))
            tables[name] = [dict(row) for row in result.mappings()]
    return tables


def counts(conn: Connection) -> dict[str, int]:
    """Rows per table (for the health check and the CLI)."""
    return {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in TABLES.items()
    }


def _collect(conn: Connection, table: str, rows: list[dict], ancestors: frozenset[str],
             out: dict[str, dict[str, dict]]) -> None:
    """Fetch, table by table, every row the nested object of `rows` will need."""
    if not rows:
        return
    bucket = out.setdefault(table, {})
    for row in rows:
        bucket.setdefault(row["id"], row)
    inner = ancestors | {table}
    ids = [row["id"] for row in rows]
    for link in NESTING.get(table, []):
        if link.table in inner:
            continue
        if link.via == "parent":
            targets = {row[link.column] for row in rows if row.get(link.column)}
            found = _rows(conn, link.table, "id", targets) if targets else []
        else:
            found = _rows(conn, link.table, link.column, ids)
        _collect(conn, link.table, found, inner, out)


def read_nested(conn: Connection, table: str, record_id: str, lang: str | None = None, *,
                with_translations: bool = False) -> dict[str, Any] | None:
    """One record of `table` as an HSDS "full" object, texts in `lang` when translated."""
    root = _rows(conn, table, "id", [record_id])
    if not root:
        return None
    collected: dict[str, dict[str, dict]] = {}
    _collect(conn, table, root, frozenset(), collected)
    tables: Tables = {name: list(rows.values()) for name, rows in collected.items()}
    all_ids = {row_id for rows in collected.values() for row_id in rows}
    if with_translations or lang:
        translations = _rows(conn, "x_translation", "link_id", all_ids)
        if not with_translations:
            translations = [row for row in translations if row["language"] == lang]
        tables["x_translation"] = translations
    return nest(tables, table, record_id, language=lang, with_translations=with_translations)


def get_service(conn: Connection, service_id: str, lang: str | None = None) -> dict | None:
    """A service as HSDS `service_full` JSON (phones, schedules, locations, organization…)."""
    return read_nested(conn, "service", service_id, lang)


def get_organization(conn: Connection, organization_id: str,
                     lang: str | None = None) -> dict | None:
    """An organization as HSDS `organization_full` JSON, with its services."""
    return read_nested(conn, "organization", organization_id, lang)
