"""The retention schedule `relais run` starts (bot/privacy/schedule.py), on real stores: the
database migrated by `relais db upgrade`'s code, Rasa's own SQL tracker store, log files.
It purges what is older than the policy keeps, keeps what is recent, purges again at each
period, and stops with `relais run`."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.db.migrate import upgrade
from bot.handoff.store import HandoffStore, callback, create_handoff_engine, escalation, message
from bot.ops.stack import free_port
from bot.privacy import schedule
from bot.privacy.policy import DAY, RetentionPolicy
from bot.settings import get_settings
from tests.privacy.privacy_support import eventually, files_holding

OLD = 40 * DAY  # older than the 30 days conversation text is kept


async def tracker_conversation(path: Path, sender_id: str, text: str, at: float) -> None:
    """A conversation in Rasa's SQL tracker store, as Rasa writes it."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    try:
        tracker = DialogueStateTracker.from_events(sender_id, [UserUttered(text, timestamp=at)])
        await store.save(tracker)
    finally:
        store.engine.dispose()


async def handoff_conversation(url: str, sender_id: str, text: str, at: float) -> None:
    """A handoff with a message to the counsellor and a callback number, made at `at`."""
    engine = create_handoff_engine(url)
    try:
        store = HandoffStore(engine, clock=lambda: at)
        item = await store.create_escalation(sender_id=sender_id, language="fr", need="food")
        await store.queue_outgoing(item["id"], "to_person", text, "Julie")
        await store.add_callback(sender_id=sender_id, phone="+15145550199", contact="phone",
                                 language="fr", best_time="le soir", need="food")  # fmt: skip
    finally:
        await engine.dispose()


def write(folder: Path, url: str, sender_id: str, text: str, at: float) -> None:
    async def both() -> None:
        await tracker_conversation(folder / "tracker.db", sender_id, text, at)
        await handoff_conversation(url, sender_id, text, at)

    asyncio.run(both())


def held(url: str, sender_id: str) -> dict[str, list]:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            items = conn.execute(
                select(escalation.c.id).where(escalation.c.sender_id == sender_id)
            ).all()
            return {
                "escalations": items,
                "messages": conn.execute(
                    select(message.c.text).where(message.c.escalation_id.in_([i.id for i in items]))
                ).all(),
                "callbacks": conn.execute(
                    select(callback.c.phone).where(callback.c.sender_id == sender_id)
                ).all(),
            }
    finally:
        engine.dispose()


def test_the_schedule_purges_what_is_older_and_keeps_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'relais.db'}"
    upgrade(url)
    monkeypatch.setenv("RELAIS_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    (log_dir / "web.log").write_text("INFO web started\n", encoding="utf-8")
    stale_log = log_dir / "web.log.20250101-000000"
    stale_log.write_text("INFO old lines\n", encoding="utf-8")
    os.utime(stale_log, (time.time() - OLD, time.time() - OLD))

    now = time.time()
    old, recent = f"vieux{uuid.uuid4().hex[:8]}", f"recent{uuid.uuid4().hex[:8]}"
    write(tmp_path, url, "person-old", f"j'ai faim {old}", now - OLD)
    write(tmp_path, url, "person-recent", f"j'ai faim {recent}", now - DAY)
    assert files_holding(tmp_path, old) and files_holding(tmp_path, recent)

    settings = replace(
        get_settings(),
        database_url=url,
        rasa_url=f"http://127.0.0.1:{free_port()}",  # Rasa not running: the store itself
        retention=RetentionPolicy(purge_every_hours=0),
    )
    stop = threading.Event()
    thread = schedule.start(settings, log_dir, stop, first_delay=0, min_period=0.5)
    try:
        eventually(lambda: files_holding(tmp_path, old) == [], "the old conversation purged")
        gone = held(url, "purged")  # the record stays a year, without person or text
        assert gone["escalations"] and gone["messages"] == []
        assert [row.phone for row in gone["callbacks"]] == [""]
        assert held(url, "person-old") == {"escalations": [], "messages": [], "callbacks": []}
        kept = held(url, "person-recent")
        assert len(kept["escalations"]) == 1 and kept["messages"] and kept["callbacks"]
        assert files_holding(tmp_path, recent)
        assert not stale_log.exists()  # rotated logs kept 14 days
        assert (log_dir / "web.log").read_text(encoding="utf-8") == ""  # rotated aside

        # and again at the next period
        later = f"ensuite{uuid.uuid4().hex[:8]}"
        write(tmp_path, url, "person-later", f"j'ai faim {later}", time.time() - OLD)
        eventually(lambda: files_holding(tmp_path, later) == [], "the next period purged too")
        assert files_holding(tmp_path, recent)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
