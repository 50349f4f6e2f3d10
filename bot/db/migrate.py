"""Bring a database to the project's schema, and say where it stands.

One Alembic history (`bot/db/migrations/versions/`) covers every table the project owns, on
SQLite and PostgreSQL. `upgrade()` is safe to call from every process at start-up:

- when the database is already at the target revision it only reads `alembic_version`;
- otherwise it migrates in ONE transaction, under a lock, and re-reads the revision once it
  holds the lock, so the second of two processes starting together finds nothing to do.
  PostgreSQL: `pg_advisory_xact_lock` keyed by the current schema (test schemas do not wait
  for each other). SQLite: `BEGIN IMMEDIATE` on a connection of our own, with foreign keys
  off while tables are rebuilt (batch mode) and `PRAGMA foreign_key_check` before commit;
- a database made before migrations existed (project tables, no `alembic_version`) is
  adopted by the first revision, which keeps the tables it finds and creates the others.

`alembic_version` is created unqualified, so it lands in the first schema of the
connection's `search_path`, beside the tables.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
INITIAL_REVISION = "0001"
LOCK_CLASS = 211
"""First key of the PostgreSQL advisory lock (the second one is the schema's hash)."""
SQLITE_LOCK_TIMEOUT = 60.0
"""Seconds a SQLite migration waits for another writer (an import) to finish."""

_ALEMBIC_LOCK = threading.Lock()
"""Alembic's `context` and `op` are process-wide proxies: one migration run at a time."""
_LOOP_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)

Target: TypeAlias = str | URL | Engine | Connection | None
"""A database URL (None: `RELAIS_DATABASE_URL`), an engine, or an open connection."""


class SchemaError(RuntimeError):
    """The database cannot be brought to the schema; the message is in French and English."""

    def __init__(self, key: str, **variables: Any) -> None:
        from bot.texts import t

        self.key = key
        self.variables = variables
        super().__init__(f"{t(key, 'fr', **variables)} / {t(key, 'en', **variables)}")


@dataclass(frozen=True)
class State:
    """Where a database stands."""

    database: str
    revision: str | None
    """The revision in `alembic_version`, None when the table is absent."""
    head: str
    legacy: bool
    """Project tables but no `alembic_version`: made before migrations existed."""
    known: bool
    """Whether this code knows the revision (False: a newer Relais migrated it)."""

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade()` did."""

    database: str
    before: str | None
    after: str | None
    adopted: bool
    """The database was made before migrations; its tables and rows were kept."""
    applied: tuple[str, ...]
    """The revisions applied, oldest first."""

    @property
    def changed(self) -> bool:
        return bool(self.applied)


# --- the history ----------------------------------------------------------------------------


def alembic_config(*, extra_versions: Sequence[Path] = ()) -> Config:
    """The Alembic configuration of the project's history (no alembic.ini needed).

    `extra_versions` adds folders of revisions on top of ours (tests use one).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_path_separator", "os")
    locations = [VERSIONS_DIR, *extra_versions]
    config.set_main_option("version_locations", os.pathsep.join(map(str, locations)))
    return config


@lru_cache(maxsize=1)
def _default_script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _script(config: Config | None) -> ScriptDirectory:
    return _default_script() if config is None else ScriptDirectory.from_config(config)


def _head(script: ScriptDirectory) -> str:
    head = script.get_current_head()
    assert head is not None, "the migration history is empty"
    return head


def head_revision(config: Config | None = None) -> str:
    """The newest revision of the history."""
    return _head(_script(config))


# --- connections ----------------------------------------------------------------------------


def label(url: URL | str) -> str:
    """The URL to show people: no password."""
    return make_url(url).render_as_string(hide_password=True)


def _is_sqlite_file(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def _sqlite_migration_engine(url: URL) -> Engine:
    """A pysqlite engine whose transactions are `BEGIN IMMEDIATE` when asked for (so DDL is
    transactional and a second migrator waits), foreign keys off (batch rebuilds)."""
    database = url.database or ""
    if not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url.set(drivername="sqlite"),
        future=True,
        poolclass=NullPool,
        connect_args={"timeout": SQLITE_LOCK_TIMEOUT},
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("relais_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def _engine(target: str | URL | Engine | None) -> Iterator[Engine]:
    """The engine migrations run on: ours for a URL or a SQLite file, else the caller's."""
    if isinstance(target, Engine):
        if not _is_sqlite_file(target.url):
            yield target
            return
        url = target.url
    else:
        from bot.settings import get_settings

        url = make_url(target or get_settings().database_url)
    engine = (
        _sqlite_migration_engine(url)
        if _is_sqlite_file(url)
        else create_engine(url, future=True, poolclass=NullPool)
    )
    try:
        yield engine
    finally:
        engine.dispose()


def _lock(connection: Connection) -> None:
    """Serialize migrators of the same PostgreSQL schema until the transaction ends."""
    if connection.dialect.name == "postgresql":
        schema_key = "hashtext(coalesce(current_schema(), ''))"
        connection.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, {schema_key})"))


# --- reading --------------------------------------------------------------------------------


def _read_state(connection: Connection, script: ScriptDirectory) -> State:
    heads = MigrationContext.configure(connection).get_current_heads()
    revision = heads[0] if heads else None
    if len(heads) > 1:
        raise SchemaError("db.error.several_heads", revisions=", ".join(heads))
    legacy = False
    if revision is None:
        initial = script.get_revision(INITIAL_REVISION).module.TABLES
        legacy = bool(set(inspect(connection).get_table_names()) & set(initial))
    try:
        known = revision is None or script.get_revision(revision) is not None
    except CommandError:
        known = False
    return State(
        database=label(connection.engine.url),
        revision=revision,
        head=_head(script),
        legacy=legacy,
        known=known,
    )


def current(target: Target = None, *, config: Config | None = None) -> State:
    """Where the database stands (reads only; a missing SQLite file stays missing)."""
    script = _script(config)
    if isinstance(target, Connection):
        return _read_state(target, script)
    if not isinstance(target, Engine):
        from bot.settings import get_settings

        url = make_url(target or get_settings().database_url)
        database = url.database or ""
        if (
            _is_sqlite_file(url)
            and not database.startswith("file:")
            and not Path(database).exists()
        ):
            return State(label(url), None, _head(script), legacy=False, known=True)
    with _engine(target) as engine, engine.connect() as connection:
        return _read_state(connection, script)


# --- upgrading ------------------------------------------------------------------------------


def _applied(script: ScriptDirectory, before: str | None, after: str | None) -> tuple[str, ...]:
    if after is None or after == before:
        return ()
    walked = script.iterate_revisions(after, before or "base")
    return tuple(reversed([step.revision for step in walked]))


def _target_revision(script: ScriptDirectory, revision: str) -> str:
    try:
        found = script.get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise SchemaError("db.error.unknown_target", revision=revision)
    return found.revision


def _check_foreign_keys(connection: Connection) -> None:
    """SQLite rebuilds tables with foreign keys off: refuse to commit a broken reference."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SchemaError("db.error.foreign_keys", table=broken[0][0], count=len(broken))


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection = connection.execution_options(relais_write=True)
        with connection.begin():
            _lock(connection)
            yield connection
            _check_foreign_keys(connection)


@contextmanager
def locked_connection(target: str | URL | Engine | None = None) -> Iterator[Connection]:
    """A connection in a transaction that holds the migration lock, committed on exit (after
    the foreign-key check) or rolled back on an error."""
    with _engine(target) as engine, _locked(engine) as connection:
        yield connection


def _upgrade_locked(
    connection: Connection, revision: str, config: Config, script: ScriptDirectory
) -> Upgrade:
    """Under the lock, in the transaction: read the revision again, migrate if needed."""
    state = _read_state(connection, script)
    if not state.known:
        raise SchemaError(
            "db.error.unknown_revision", revision=state.revision, database=state.database
        )
    if state.revision == _target_revision(script, revision):
        return Upgrade(state.database, state.revision, state.revision, False, ())
    with _ALEMBIC_LOCK:
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        finally:
            config.attributes.pop("connection", None)
    after = MigrationContext.configure(connection).get_current_revision()
    result = Upgrade(
        state.database, state.revision, after, state.legacy, _applied(script, state.revision, after)
    )
    log.info(
        "database %s: %s -> %s (adopted: %s)",
        result.database,
        result.before,
        result.after,
        result.adopted,
    )
    return result


def _upgrade_connection(
    connection: Connection, revision: str, config: Config, script: ScriptDirectory
) -> Upgrade:
    opened = nullcontext() if connection.in_transaction() else connection.begin()
    with opened:
        _lock(connection)
        result = _upgrade_locked(connection, revision, config, script)
        _check_foreign_keys(connection)
        return result


def upgrade(
    target: Target = None, revision: str = "head", *, config: Config | None = None
) -> Upgrade:
    """Bring the database to `revision` (default: the newest); see the module docstring.

    `target` is a URL (None: `RELAIS_DATABASE_URL`), an engine, or a connection. A
    connection is used as given: in the caller's transaction if one is open (committed by the
    caller), else in one of its own.
    """
    script = _script(config)
    config = config or alembic_config()
    if isinstance(target, Connection):
        return _upgrade_connection(target, revision, config, script)
    with _engine(target) as engine:
        with engine.connect() as connection:
            state = _read_state(connection, script)
        if state.known and state.revision == _target_revision(script, revision):
            return Upgrade(state.database, state.revision, state.revision, False, ())
        with _locked(engine) as connection:
            return _upgrade_locked(connection, revision, config, script)


async def upgrade_async(
    engine: AsyncEngine, revision: str = "head", *, config: Config | None = None
) -> Upgrade:
    """`upgrade()` for the stores of async code (handoff, SMS), without blocking the loop.

    SQLite files are migrated from a thread on a connection of our own; other databases on a
    connection of `engine`, so its connect arguments (asyncpg's `search_path`) apply.
    """
    if _is_sqlite_file(engine.url):
        return await asyncio.to_thread(upgrade, engine.url, revision, config=config)
    async with _loop_lock(), engine.connect() as connection:
        return await connection.run_sync(
            lambda sync_connection: upgrade(sync_connection, revision, config=config)
        )


def _loop_lock() -> asyncio.Lock:
    """One `upgrade_async` at a time per event loop: an upgrade on an async connection runs in
    the loop's thread, so `_ALEMBIC_LOCK` must never be waited for there."""
    loop = asyncio.get_running_loop()
    lock = _LOOP_LOCKS.get(loop)
    if lock is None:
        lock = _LOOP_LOCKS[loop] = asyncio.Lock()
    return lock


def describe(result: Upgrade) -> tuple[str, dict[str, Any]]:
    """The texts key and variables that tell a person what `upgrade()` did."""
    variables: dict[str, Any] = {
        "database": result.database,
        "before": result.before,
        "after": result.after,
        "count": len(result.applied),
        "revisions": ", ".join(result.applied),
    }
    if not result.changed:
        return "db.upgrade.unchanged", variables
    if result.adopted:
        return "db.upgrade.adopted", variables
    if result.before is None:
        return "db.upgrade.created", variables
    return "db.upgrade.upgraded", variables


def upgrade_and_say(target: Target, say: Callable[..., None]) -> Upgrade:
    """`upgrade()`, then `say(key, **variables)` what changed (nothing when nothing did):
    for supervisors such as `relais run`, which migrate once before starting children."""
    result = upgrade(target)
    if result.changed:
        key, variables = describe(result)
        say(key, **variables)
    return result
