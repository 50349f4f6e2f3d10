"""`bot.db.upgrade` on an empty database: the whole schema, exactly the models, once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.cli import main
from bot.db import current, describe, head_revision, upgrade, upgrade_and_say
from bot.db.metadata import metadata
from bot.db.migrate import label
from bot.settings import ROOT
from bot.texts import t
from tests.db.db_support import create_all_of_the_models, project_tables, schema_of


def _differences(url: str) -> list:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def _versions(url: str) -> list[str]:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_upgrade_of_an_empty_database_creates_every_table(db_url: str) -> None:
    assert not current(db_url).legacy and current(db_url).revision is None

    result = upgrade(db_url)

    assert (result.before, result.after, result.adopted) == (None, head_revision(), False)
    assert result.applied[0] == "0001" and result.applied[-1] == head_revision()
    assert describe(result)[0] == "db.upgrade.created"
    engine = create_engine(db_url, future=True)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == project_tables() | {"alembic_version"}
    engine.dispose()
    assert _differences(db_url) == []
    assert current(db_url).up_to_date


def test_the_history_builds_exactly_what_the_models_describe(
    db_url: str, other_db_url: str
) -> None:
    """Columns, types, keys, indexes and the CHECK constraints autogenerate does not compare."""
    upgrade(db_url)
    create_all_of_the_models(other_db_url)
    assert schema_of(db_url) == schema_of(other_db_url)


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    upgrade(db_url)
    schema = schema_of(db_url)

    again = upgrade(db_url)

    assert (again.before, again.after, again.applied) == (head_revision(), head_revision(), ())
    assert not again.changed and describe(again)[0] == "db.upgrade.unchanged"
    assert schema_of(db_url) == schema
    assert _versions(db_url) == [head_revision()]


def test_the_supervisor_says_only_what_changed(db_url: str) -> None:
    said: list[tuple[str, dict]] = []

    def say(key: str, **variables: object) -> None:
        said.append((key, variables))

    upgrade_and_say(db_url, say)
    upgrade_and_say(db_url, say)
    assert [key for key, _ in said] == ["db.upgrade.created"]
    assert t(said[0][0], "fr", **said[0][1]).startswith("Base ")


def test_processes_starting_together_migrate_once(db_url: str) -> None:
    """Three `relais db upgrade` at the same moment on an empty database: one creates the
    tables, the others wait for it (lock) and find nothing to do."""
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "db",
        "upgrade",
        "--database-url",
        db_url,
        "--lang",
        "en",
    ]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    head, database = head_revision(), label(db_url)
    created = t("db.upgrade.created", "en", database=database, after=head)
    unchanged = t("db.upgrade.unchanged", "en", database=database, after=head)
    assert sorted(stdout.strip() for stdout, _ in outputs) == sorted(
        [created, unchanged, unchanged]
    )
    assert _versions(db_url) == [head_revision()]
    assert _differences(db_url) == []


def test_an_unreachable_database_is_said_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://relais:secret@127.0.0.1:1/none"
    assert main(["db", "upgrade", "--database-url", url, "--lang", "en"]) == 2
    said = capsys.readouterr().err.strip()
    assert said == t("db.error.unreachable", "en", database=label(url), detail="OperationalError")
    assert "secret" not in said
