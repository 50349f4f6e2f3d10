"""Databases made before migrations existed: adopted by `relais db upgrade`, data kept."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, inspect

from bot.cli import main
from bot.db import current, head_revision, upgrade
from bot.db.migrate import label
from bot.texts import t
from tests.db.db_support import (
    SECRET,
    add_handoff_rows,
    all_rows,
    async_engine,
    create_all_like_before,
    fill_old_database,
    insert_hsds_sample,
    kept,
    project_tables,
    relais,
    schema_of,
)


def test_an_old_database_is_adopted_by_the_cli_and_keeps_every_row(
    db_url: str, other_db_url: str
) -> None:
    create_all_like_before(db_url)
    fill_old_database(db_url)
    before = all_rows(db_url)
    assert sum(map(len, before.values())) >= 25
    state = current(db_url)
    assert state.legacy and state.revision is None

    done = relais("db", "upgrade", "--database-url", db_url)

    head, database = head_revision(), label(db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == t("db.upgrade.adopted", "en", database=database, after=head)
    state = current(db_url)
    assert state.revision == head and state.up_to_date and not state.legacy
    assert kept(before, all_rows(db_url))
    upgrade(other_db_url)
    assert schema_of(db_url) == schema_of(other_db_url)  # adopted = made by the history

    again = relais("db", "upgrade", "--database-url", db_url, lang="fr")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == t("db.upgrade.unchanged", "fr", database=database, after=head)
    assert kept(before, all_rows(db_url))


def test_an_old_database_gets_the_tables_of_areas_that_never_ran_there(db_url: str) -> None:
    """Before migrations each area created only its own tables: a deployment without SMS has
    no `sms_` table. A bare stamp would leave them missing; adoption creates them."""
    create_all_like_before(db_url, areas=("directory", "handoff"))
    insert_hsds_sample(db_url)
    escalation_id = asyncio.run(add_handoff_rows(db_url))
    before = all_rows(db_url)
    assert "sms_contact" not in before

    result = upgrade(db_url)

    assert result.adopted and result.after == head_revision()
    engine = create_engine(db_url, future=True)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == project_tables() | {"alembic_version"}
    engine.dispose()
    after = all_rows(db_url)
    assert kept(before, after)
    assert asyncio.run(_sms_works(db_url))
    assert asyncio.run(_escalation_language(db_url, escalation_id)) == "fr"


async def _sms_works(url: str) -> bool:
    from bot.channels.sms_privacy import NumberCipher
    from bot.channels.sms_store import SmsStore

    store = SmsStore(async_engine(url), NumberCipher(SECRET))
    try:
        await store.init()
        return await store.claim_message("SM-new", "sms-x")
    finally:
        await store.close()


async def _escalation_language(url: str, escalation_id: str) -> str:
    from bot.handoff.store import HandoffStore, init_tables

    engine = async_engine(url)
    try:
        await init_tables(engine)
        row = await HandoffStore(engine).escalation(escalation_id)
        assert row is not None
        return str(row["language"])
    finally:
        await engine.dispose()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_current_tells_each_state_in_the_persons_language(
    db_url: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database, head = label(db_url), head_revision()

    def current_says() -> tuple[int, str]:
        code = main(["db", "current", "--database-url", db_url, "--lang", lang])
        return code, capsys.readouterr().out.strip()

    assert current_says() == (1, t("db.current.empty", lang, database=database, head=head))
    create_all_like_before(db_url, areas=("handoff",))
    assert current_says() == (1, t("db.current.legacy", lang, database=database))
    upgrade(db_url)
    assert current_says() == (0, t("db.current.up_to_date", lang, database=database, revision=head))
