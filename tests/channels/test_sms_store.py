"""The `sms_` tables: dedupe, opt-outs, options, pending pages; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.channels.sms_privacy import NumberCipher, sender_id_for
from bot.channels.sms_store import Option, SmsStore, Unhandled, sms_contact, sms_inbound
from bot.directory.store import async_url, create_async_engine_from_url
from tests.channels.channels_support import age
from tests.pg import DATABASE_KINDS, fresh_database_url

SECRET = "store-secret"
NUMBER = "+15145550123"


@pytest.fixture(params=DATABASE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database_url(request.param, tmp_path, "sms") as url:
        yield url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SmsStore]:
    sms = SmsStore(async_engine(store_url), NumberCipher(SECRET))
    await sms.init()
    await sms.init()  # idempotent
    yield sms
    await sms.close()


def async_engine(url: str) -> AsyncEngine:
    """The app's engine; for the test schema, asyncpg takes `search_path` as a server
    setting instead of libpq's `options`."""
    if "options=" not in url:
        return create_async_engine_from_url(url)
    parts = urlsplit(url)
    options = unquote(parse_qs(parts.query)["options"][0])
    schema = options.split("search_path=")[1]
    return create_async_engine(
        str(async_url(parts._replace(query="").geturl())),
        connect_args={"server_settings": {"search_path": schema}},
    )


async def test_message_sid_is_claimed_once(store: SmsStore) -> None:
    assert await store.claim_message("SM1", "sms-x")
    assert not await store.claim_message("SM1", "sms-x")
    assert await store.claim_message("SM2", "sms-x")
    assert await store.forget_messages_before() == 0


async def test_contact_number_is_encrypted_at_rest(store: SmsStore) -> None:
    sender = sender_id_for(NUMBER, SECRET)
    await store.remember(sender, NUMBER)
    await store.remember(sender, NUMBER)  # idempotent
    contact = await store.contact(sender)
    assert contact is not None and contact.number == NUMBER and not contact.opted_out
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(sms_contact))).mappings().all()
    assert len(rows) == 1
    assert all("5550123" not in str(value) for value in rows[0].values())


async def test_opt_out_options_and_pending(store: SmsStore) -> None:
    sender = sender_id_for(NUMBER, SECRET)
    await store.remember(sender, NUMBER)
    await store.save_options(sender, [Option("Logement", "/need_housing")])
    await store.save_pending(sender, ["page 2", "page 3 près de Laval"])
    contact = await store.contact(sender)
    assert contact is not None and contact.options == [Option("Logement", "/need_housing")]
    assert await store.pop_pending(sender) == "page 2"
    assert await store.pop_pending(sender) == "page 3 près de Laval"
    assert await store.pop_pending(sender) is None
    await store.save_pending(sender, ["x"])
    await store.set_opted_out(sender, True)
    assert await store.is_opted_out(sender)
    contact = await store.contact(sender)
    assert contact is not None and contact.options == [] and contact.pending == []
    await store.set_opted_out(sender, False)
    assert not await store.is_opted_out(sender)


async def test_save_reply_keeps_or_replaces_options_in_one_write(store: SmsStore) -> None:
    sender = sender_id_for(NUMBER, SECRET)
    await store.remember(sender, NUMBER)
    await store.save_reply(sender, pending=["p2"], options=[Option("Un", "/a")])
    await store.save_reply(sender, pending=[])  # options kept (AIDE)
    contact = await store.contact(sender)
    assert contact is not None and contact.options == [Option("Un", "/a")] and contact.pending == []
    await store.save_reply(sender, pending=[], options=[])  # a turn without buttons
    contact = await store.contact(sender)
    assert contact is not None and contact.options == []


async def test_an_accepted_message_is_kept_encrypted_until_handled(store: SmsStore) -> None:
    sender = sender_id_for(NUMBER, SECRET)
    assert await store.claim_message("SMa", sender, number=NUMBER, body="chu pu capable", owner="A")
    async with store.engine.connect() as conn:
        (row,) = (await conn.execute(select(sms_inbound))).mappings().all()
    assert row["payload"] and "5550123" not in row["payload"] and "capable" not in row["payload"]
    assert row["owner"] == "A" and row["handled_at"] is None
    assert not await store.start_handling("SMa", "B")  # not B's
    assert await store.start_handling("SMa", "A")
    await store.handled("SMa")
    assert not await store.start_handling("SMa", "A")  # handled: never twice
    async with store.engine.connect() as conn:
        (row,) = (await conn.execute(select(sms_inbound))).mappings().all()
    assert row["payload"] is None and row["handled_at"] is not None  # the words are not kept
    assert not await store.claim_message("SMa", sender, owner="B")  # still a redelivery


async def test_what_a_dead_gateway_left_is_taken_over_once(store: SmsStore) -> None:
    sender = sender_id_for(NUMBER, SECRET)
    for sid in ("SMold", "SMnew", "SMdone"):
        await store.claim_message(sid, sender, number=NUMBER, body=f"texte {sid}", owner="dead")
    await age(store, "SMold", 120)
    await age(store, "SMdone", 120)
    await store.handled("SMdone")
    window = timedelta(seconds=60)
    found = await asyncio.gather(store.take_over("B", window), store.take_over("C", window))
    taken = [message for messages in found for message in messages]
    assert taken == [Unhandled("SMold", sender, NUMBER, "texte SMold")]  # once, not SMnew
    taker = "B" if found[0] else "C"
    assert not await store.start_handling("SMold", "dead")  # the dead one's copy is void
    assert await store.start_handling("SMold", taker)
    assert await store.take_over("D", window) == []  # taken just now: not stale any more
