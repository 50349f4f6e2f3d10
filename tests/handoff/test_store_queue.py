"""The handoff store and queue on SQLite and PostgreSQL: order, atomic claims, dedupe."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.handoff import queue
from bot.handoff.auth import hash_password
from bot.handoff.store import ACTIVE, CLOSED, PENDING, RETURNED, SENT, WAITING, HandoffStore

HASH = hash_password("x" * 12)


def ticking_clock(start: float = 1_700_000_000.0):
    counter = itertools.count()
    return lambda: start + next(counter)


async def test_crisis_jumps_the_queue_then_wait_time(store: HandoffStore) -> None:
    store.clock = ticking_clock()
    first = await store.create_escalation(sender_id="a", language="fr", need="food")
    second = await store.create_escalation(sender_id="b", language="en", need="housing")
    crisis = await store.create_escalation(sender_id="c", language="fr", crisis="suicide")
    later_crisis = await store.create_escalation(sender_id="d", language="fr", crisis="violence")
    items = await queue.waiting_queue(store)
    assert [i["id"] for i in items] == [crisis["id"], later_crisis["id"], first["id"], second["id"]]
    assert queue.position(items, crisis["id"]) == 1
    assert queue.position(items, second["id"]) == 4


async def test_one_open_escalation_per_person(store: HandoffStore) -> None:
    one = await store.create_escalation(sender_id="same", language="fr")
    again = await store.create_escalation(sender_id="same", language="fr")
    assert one["id"] == again["id"]
    assert await store.close(one["id"], RETURNED)
    fresh = await store.create_escalation(sender_id="same", language="fr")
    assert fresh["id"] != one["id"]


async def test_double_claim_race_exactly_one_wins(store: HandoffStore) -> None:
    counsellors = [await store.add_counsellor(f"c{i}@example.org", f"C{i}", HASH) for i in range(8)]
    item = await store.create_escalation(sender_id="race", language="fr")
    results = await asyncio.gather(
        *(store.claim(item["id"], cid) for cid in counsellors for _ in range(4))
    )
    assert results.count(True) == 1
    row = await store.escalation(item["id"])
    assert row["status"] == ACTIVE and row["claimed_by"] in counsellors
    assert not await store.claim(item["id"], counsellors[0])


async def test_close_only_by_the_holder_and_once(store: HandoffStore) -> None:
    ana = await store.add_counsellor("ana@example.org", "Ana", HASH)
    ben = await store.add_counsellor("ben@example.org", "Ben", HASH)
    item = await store.create_escalation(sender_id="p", language="fr")
    assert await store.claim(item["id"], ana)
    assert not await store.close(item["id"], "resolved", ben)
    assert await store.close(item["id"], "resolved", ana)
    assert not await store.close(item["id"], "referred", ana)
    row = await store.escalation(item["id"])
    assert (row["status"], row["outcome"]) == (CLOSED, "resolved")


async def test_person_messages_are_stored_once(store: HandoffStore) -> None:
    item = await store.create_escalation(sender_id="p", language="fr", last_event_ts=10.0)
    events = [{"text": "allo", "timestamp": 11.5}, {"text": "vous êtes là?", "timestamp": 12.25}]
    first = await store.record_person_messages(item["id"], events, 12.25)
    again = await store.record_person_messages(item["id"], events, 12.25)
    assert [m["text"] for m in first] == ["allo", "vous êtes là?"]
    assert again == []
    assert [m["text"] for m in await store.messages(item["id"])] == ["allo", "vous êtes là?"]
    assert (await store.escalation(item["id"]))["last_event_ts"] == 12.25


async def test_outbox_pending_until_sent(store: HandoffStore) -> None:
    item = await store.create_escalation(sender_id="p", language="fr")
    row = await store.queue_outgoing(item["id"], "counsellor", "Bonjour", "Ana")
    assert [m["id"] for m in await store.pending_messages()] == [row["id"]]
    assert await store.mark_sent(row["id"])
    assert not await store.mark_sent(row["id"])
    assert (await store.messages(item["id"]))[0]["status"] == SENT
    assert await store.pending_messages() == []
    assert PENDING != SENT


async def test_callbacks_listed_crisis_first_and_closed_once(store: HandoffStore) -> None:
    ana = await store.add_counsellor("ana@example.org", "Ana", HASH)
    plain = await store.add_callback(
        sender_id="a", phone="+15145550123", contact="phone", language="fr", best_time="matin"
    )
    urgent = await store.add_callback(
        sender_id="b", phone="+14385550199", contact="sms", language="en", best_time=None,
        crisis="violence",
    )  # fmt: skip
    assert [c["id"] for c in await store.callbacks()] == [urgent["id"], plain["id"]]
    assert await store.close_callback(plain["id"], "resolved", ana)
    assert not await store.close_callback(plain["id"], "resolved", ana)
    assert [c["id"] for c in await store.callbacks()] == [urgent["id"]]


async def test_wait_estimate_uses_recent_claims(store: HandoffStore) -> None:
    assert await queue.estimate_minutes(store, 3, 5.0) == 15
    ana = await store.add_counsellor("ana@example.org", "Ana", HASH)
    now = [1_700_000_000.0]
    store.clock = lambda: now[0]
    item = await store.create_escalation(sender_id="p", language="fr")
    now[0] += 120  # claimed after two minutes
    assert await store.claim(item["id"], ana)
    assert await queue.estimate_minutes(store, 3, 5.0) == 6


@pytest.mark.parametrize("status", [WAITING])
def test_priority_key(status: str) -> None:
    assert queue.priority({"crisis": "child", "created_at": 5.0, "status": status}) < (
        queue.priority({"crisis": None, "created_at": 1.0, "status": status})
    )
