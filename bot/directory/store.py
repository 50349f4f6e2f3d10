"""The directory database: engines, loading and dumping flat tables, reading nested records.

Works on SQLite (the default, `var/relais.db`) and PostgreSQL with the same code. Loading
is an upsert by id in one transaction, so importing the same data twice changes nothing and
a failure half-way leaves the database as it was. Readers take a *sync* connection; the web
app calls them through `AsyncConnection.run_sync`, so there is one implementation.
"""

from __future__ import annotations

import csv
import gc
import io
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import column, create_engine, event, func, or_, select
from sqlalchemy import table as table_clause
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.directory import generation
from bot.directory.hsds import NESTING, Tables, nest
from bot.directory.schema import TABLES
from bot.settings import get_settings

BATCH = 5_000
"""Rows per executemany: large enough to be fast, small enough to keep memory flat."""

COPY_BATCH = 50_000
"""Rows per COPY on PostgreSQL (a few MB of CSV): fewer round trips and upsert statements."""

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
    cursor.execute("PRAGMA secure_delete=ON")  # deleted personal data overwritten (bot.privacy)
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


@contextmanager
def scratch_schema(url: str, prefix: str) -> Iterator[str]:
    """A URL of the PostgreSQL `url` whose `search_path` is a new, empty schema, dropped
    afterwards: tests and benchmarks get their own tables, side by side with anyone's."""
    import uuid
    from urllib.parse import quote

    from sqlalchemy import text

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, future=True)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def scratch_database(url: str, prefix: str) -> Iterator[str]:
    """A URL of a new, empty database `<prefix>_<random>` on the PostgreSQL server of `url`,
    dropped afterwards with any connection left to it: for what needs a whole database, such
    as Rasa's tracker store (tests and benchmarks)."""
    import uuid

    from sqlalchemy import text

    server = make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def init_db(engine: Engine) -> None:
    """Bring the database to the project's schema (idempotent; only a read when it is up to
    date). Every area's tables come from one migration history, `bot.db`."""
    from bot.db import upgrade

    upgrade(engine)


# --- writing ------------------------------------------------------------------------------


def _conflict_keys(table_name: str) -> list[str]:
    """The columns an upsert matches on: the id, except for translations, which are one per
    (record, field, language) whatever id a file gave them."""
    if table_name == "x_translation":
        return ["link_entity", "link_id", "field", "language"]
    return ["id"]


def _upsert(conn: Connection, table_name: str, source: Any = None) -> Any:
    """An INSERT … ON CONFLICT DO UPDATE for the connection's dialect, of bound rows or of
    the rows of `source` (a staging table). Rows that would not change are left alone, so a
    re-import writes nothing."""
    table = TABLES[table_name]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(conn.dialect.name)
    statement = insert(table)
    if source is not None:
        names = [c.name for c in table.columns]
        statement = statement.from_select(names, select(*(source.c[n] for n in names)))
    keys = _conflict_keys(table_name)
    others = [c for c in table.columns if c.name not in keys]
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in others},
        where=or_(*(c.is_distinct_from(statement.excluded[c.name]) for c in others)),
    )


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


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
    size = BATCH if engine.dialect.name == "sqlite" else COPY_BATCH
    with (
        tqdm(total=total, unit="rows", file=sys.stderr, disable=not progress, desc="HSDS") as bar,
        bulk_work(),
        _transaction(engine, order) as conn,
    ):
        for name in order:
            rows = tables[name]
            with _writer(conn, name, rows) as write:
                for chunk in _batches(rows, size):
                    write(chunk)
                    bar.update(len(chunk))
            counts[name] = len(rows)
        generation.bump(conn)  # committed with the rows: running processes reload them
    return counts


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of rows are built and written.

    Rows hold no reference cycles, so nothing is lost; without the pause, collections that
    walk every live row cost about a third of reading a large import."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextmanager
def _transaction(engine: Engine, tables: list[str]) -> Iterator[Connection]:
    """The one transaction of a load.

    On SQLite, foreign keys are checked once for the loaded tables before the commit
    (`PRAGMA foreign_key_check`) rather than row by row, which made the upserts of child
    tables two to three times slower; a violation raises `IntegrityError` inside the
    transaction, which rolls back as before. The pragma only takes effect outside a
    transaction, hence the separate connection-level steps."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            with conn.begin():
                yield conn
                _check_foreign_keys(conn, tables)
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _check_foreign_keys(conn: Connection, tables: list[str]) -> None:
    """Raise `IntegrityError` naming the first row of `tables` whose parent is missing."""
    for name in tables:
        if not TABLES[name].foreign_keys:
            continue
        problem = conn.exec_driver_sql(f'PRAGMA foreign_key_check("{name}")').first()
        if problem is not None:
            detail = f"FOREIGN KEY constraint failed: {problem[0]} row {problem[1]} → {problem[2]}"
            raise IntegrityError(
                f"PRAGMA foreign_key_check({name})", None, sqlite3.IntegrityError(detail)
            )


def _row_tuples(rows: list[dict[str, Any]], names: list[str]) -> list[tuple]:
    """Rows as tuples in `names` order (missing columns as None), in C when every row has
    every column, as rows read from a file do."""
    try:
        if len(names) == 1:
            return list(zip(map(itemgetter(names[0]), rows)))
        return list(map(itemgetter(*names), rows))
    except KeyError:
        return [tuple(row.get(name) for name in names) for row in rows]


@contextmanager
def _writer(
    conn: Connection, table_name: str, rows: list[dict[str, Any]]
) -> Iterator[Callable[[list[dict[str, Any]]], None]]:
    """A function upserting the batches of `rows` (SQLite: executemany; PostgreSQL: COPY);
    every batch is written when the context ends.

    On SQLite, rows go to the driver as tuples of a statement compiled once per set of
    columns: SQLAlchemy's per-row parameter processing would cost a third of a large import.
    Columns that are empty in the whole batch are left out of the INSERT (the upsert still
    sets them, to NULL, from `excluded`): Python's sqlite3 binds a NULL slowly, and an
    HSDS row is mostly empty columns."""
    if conn.dialect.name == "postgresql":
        with _copy_writer(conn, table_name, rows) as write:
            yield write
        return
    table = TABLES[table_name]
    names = [c.name for c in table.columns]
    always = {
        c.name for c in table.columns if c.default is not None or c.server_default is not None
    } | set(_conflict_keys(table_name))
    position = {name: i for i, name in enumerate(names)}
    upsert = _upsert(conn, table_name)
    statements: dict[tuple[str, ...], tuple[str, list[str]]] = {}

    def write_sqlite(rows: list[dict[str, Any]]) -> None:
        columns = list(zip(*_row_tuples(rows, names), strict=True))
        kept = [
            i
            for i, (name, values) in enumerate(zip(names, columns, strict=True))
            if name in always or values.count(None) != len(values)
        ]
        subset = tuple(names[i] for i in kept)
        if subset not in statements:
            compiled = upsert.compile(dialect=conn.dialect, column_keys=list(subset))
            statements[subset] = (str(compiled), list(compiled.positiontup))
        sql, order = statements[subset]
        conn.exec_driver_sql(sql, list(zip(*(columns[position[n]] for n in order), strict=True)))

    yield write_sqlite


@contextmanager
def _copy_writer(
    conn: Connection, table_name: str, rows: list[dict[str, Any]]
) -> Iterator[Callable[[list[dict[str, Any]]], None]]:
    """PostgreSQL: COPY each batch into a temporary staging table, then upsert from it in
    one statement. Row-by-row INSERTs cost a round trip each (minutes for 100k services).
    The staging table lives in the load's transaction (dropped at its end). Into an empty
    table, rows whose keys are all different are copied straight in (what the upsert would
    write, a third faster).

    A helper thread turns the next batch into CSV while the server takes the current one:
    the driver releases the GIL while it waits, so Python's work and the server's overlap.
    Batches still reach the server one after the other, in order."""
    table = TABLES[table_name]
    names = [c.name for c in table.columns]
    quote = conn.dialect.identifier_preparer.quote
    key_names = _conflict_keys(table_name)
    keys = _row_tuples(rows, key_names)
    direct = (
        len(set(keys)) == len(keys) and conn.execute(select(table.c.id).limit(1)).first() is None
    )
    stage = table_clause(f"x_stage_{table_name}", *(column(n) for n in names))
    if not direct:
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(stage.name)} "
            f"(LIKE {quote(table_name)} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    target = quote(table_name if direct else stage.name)
    copy = f"COPY {target} ({', '.join(quote(n) for n in names)}) FROM STDIN WITH (FORMAT csv)"
    merge = _upsert(conn, table_name, stage)
    fallback = _upsert(conn, table_name)

    def prepare(rows: list[dict[str, Any]]) -> tuple[io.StringIO | None, list[dict[str, Any]]]:
        if "" in chain.from_iterable(map(dict.values, rows)):
            return None, rows  # CSV cannot tell "" from NULL: this (rare) batch goes by rows
        if not direct:
            keys = _row_tuples(rows, key_names)
            if len(set(keys)) != len(keys):  # an upsert may not touch a row twice: last wins
                rows = list(dict(zip(keys, rows, strict=True)).values())
        buffer = io.StringIO()
        csv.writer(buffer).writerows(_row_tuples(rows, names))
        buffer.seek(0)
        return buffer, rows

    def send(prepared: tuple[io.StringIO | None, list[dict[str, Any]]]) -> None:
        buffer, rows = prepared
        if buffer is None:
            conn.execute(fallback, [{n: row.get(n) for n in names} for row in rows])
            return
        with conn.connection.cursor() as cursor:
            try:
                cursor.copy_expert(copy, buffer)
            except conn.dialect.dbapi.Error as exc:  # as SQLAlchemy would raise it
                raise DBAPIError.instance(copy, None, exc, conn.dialect.dbapi.Error) from exc
        if not direct:
            conn.execute(merge)
            conn.exec_driver_sql(f"TRUNCATE {quote(stage.name)}")

    pending: Future | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="relais-copy") as pool:

        def write(rows: list[dict[str, Any]]) -> None:
            nonlocal pending
            ready, pending = pending, pool.submit(prepare, rows)
            if ready is not None:
                send(ready.result())

        yield write
        if pending is not None:
            send(pending.result())


# --- reading ------------------------------------------------------------------------------


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = list(values)
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


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


def _collect(
    conn: Connection,
    table: str,
    rows: list[dict],
    ancestors: frozenset[str],
    out: dict[str, dict[str, dict]],
) -> None:
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


def read_nested(
    conn: Connection,
    table: str,
    record_id: str,
    lang: str | None = None,
    *,
    with_translations: bool = False,
) -> dict[str, Any] | None:
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


def get_organization(
    conn: Connection, organization_id: str, lang: str | None = None
) -> dict | None:
    """An organization as HSDS `organization_full` JSON, with its services."""
    return read_nested(conn, "organization", organization_id, lang)
