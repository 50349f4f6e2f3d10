"""The path for the next schema change: a revision on top of the newest, applied to a database
with data (the revision lives in tmp_path: the product ships no fake migration)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.db import SchemaError, alembic_config, current, describe, head_revision, upgrade
from tests.db.db_support import add_handoff_rows, all_rows, kept, write_revision

ADD_COLUMN = """
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    # A new column with a server default, and a wider one: on SQLite the second rebuilds the
    # table (batch mode) while other tables' rows reference it.
    with op.batch_alter_table("handoff_escalation") as batch:
        batch.add_column(sa.Column("origin", sa.String(20), nullable=False, server_default="web"))
        batch.alter_column("need", existing_type=sa.String(40), type_=sa.String(80))


def downgrade():
    with op.batch_alter_table("handoff_escalation") as batch:
        batch.alter_column("need", existing_type=sa.String(80), type_=sa.String(40))
        batch.drop_column("origin")
"""

BREAK_A_REFERENCE = """
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM handoff_counsellor")


def downgrade():
    pass
"""


def _config(folder: Path, body: str) -> Config:
    write_revision(folder, "9001_throwaway.py", body.replace("{head}", head_revision()))
    return alembic_config(extra_versions=[folder])


def _escalation_columns(url: str) -> dict[str, object]:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return {c["name"]: c["type"] for c in inspect(conn).get_columns("handoff_escalation")}
    finally:
        engine.dispose()


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_a_next_revision_applies_on_top_of_the_newest_and_keeps_the_data(
    db_url: str, tmp_path: Path
) -> None:
    config = _config(tmp_path / "versions", ADD_COLUMN)
    upgrade(db_url)
    escalation_id = asyncio.run(add_handoff_rows(db_url))
    before = all_rows(db_url)

    result = upgrade(db_url, config=config)

    assert (result.before, result.after, result.applied) == (head_revision(), "9001", ("9001",))
    assert describe(result)[0] == "db.upgrade.upgraded"
    columns = _escalation_columns(db_url)
    assert "origin" in columns and columns["need"].length == 80  # type: ignore[attr-defined]
    assert kept(before, all_rows(db_url))
    assert (
        _scalar(db_url, f"SELECT origin FROM handoff_escalation WHERE id = '{escalation_id}'")
        == "web"
    )
    joined = (
        "SELECT count(*) FROM handoff_message m JOIN handoff_escalation e ON e.id = m.escalation_id"
    )
    assert _scalar(db_url, joined) == 1
    if db_url.startswith("sqlite"):
        engine = create_engine(db_url, future=True)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            indexes = {i["name"] for i in inspect(conn).get_indexes("handoff_escalation")}
            assert indexes == {"ix_handoff_escalation_sender_id", "ix_handoff_escalation_status"}
        engine.dispose()
    assert current(db_url, config=config).up_to_date
    assert upgrade(db_url, config=config).applied == ()


def test_code_older_than_the_database_refuses_it(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url, config=_config(tmp_path / "versions", ADD_COLUMN))

    state = current(db_url)  # the product's history only: it stops at its own head

    assert state.revision == "9001" and not state.known and not state.up_to_date
    with pytest.raises(SchemaError) as refused:
        upgrade(db_url)
    assert refused.value.key == "db.error.unknown_revision"
    assert "9001" in str(refused.value)


def test_a_revision_that_breaks_a_reference_leaves_the_database_as_it_was(
    db_url: str, tmp_path: Path
) -> None:
    """SQLite runs revisions with foreign keys off (table rebuilds need it) and checks them
    before committing; PostgreSQL refuses at once. Either way nothing is committed."""
    config = _config(tmp_path / "versions", BREAK_A_REFERENCE)
    upgrade(db_url)
    asyncio.run(add_handoff_rows(db_url))
    before = all_rows(db_url)

    with pytest.raises((SchemaError, IntegrityError)) as refused:
        upgrade(db_url, config=config)

    if db_url.startswith("sqlite"):
        assert refused.value.key == "db.error.foreign_keys"  # type: ignore[union-attr]
    assert current(db_url).revision == head_revision()
    assert kept(before, all_rows(db_url))
