"""The live side of the handoff, run by the web app: claims, messages both ways, closing,
handing back, and the relay that reads the person's messages from Rasa while paused.

Delivery is exactly-once across restarts:
- person → console: the relay reads tracker events newer than the escalation's persisted
  `last_event_ts` and stores them keyed by their Rasa timestamp in the same transaction as
  the new mark (a crash between read and commit re-reads and dedupes);
- console → person: an outbox. The message is stored `pending` with an id, posted to Rasa
  with that id in its metadata, then marked `sent`. A pending message found later (a crash
  in between) is posted again only if the tracker has no bot event with its id;
- giving the conversation back (hand-back, counsellor gone): the escalation is closed in the
  same transaction that puts the resume in that outbox; the resume (`resume`, the notice,
  `action_listen`, one request) is retried with a growing wait until Rasa confirms, by every
  relay pass, the first at start: Rasa down during a hand-back never leaves a person paused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.dialogue import results
from bot.texts import t

from . import queue
from .config import HandoffSettings
from .rasa_api import RasaApi, RasaUnavailable, bot_event
from .shared import Listener, Shared
from .store import ACTIVE, CLOSED, COUNSELLOR, RETURNED, SYSTEM, WAITING, HandoffStore

log = logging.getLogger(__name__)

GOODBYE_INTENTS = frozenset({"goodbye"})
RELAY_CONCURRENCY = 8
"""Trackers read at the same time by one relay pass."""
RESEND_AFTER = 10.0
"""Seconds before the relay treats a pending outgoing message as interrupted."""


def new_user_events(events: list[dict[str, Any]], after: float) -> list[dict[str, Any]]:
    """The person's messages logged after the timestamp `after`, oldest first."""
    return [
        e
        for e in events
        if e.get("event") == "user" and float(e.get("timestamp") or 0) > after and e.get("text")
    ]


def left_conversation(events: list[dict[str, Any]], after: float) -> bool:
    """Whether the person said goodbye or restarted the conversation after `after`."""
    for event in events:
        if float(event.get("timestamp") or 0) <= after:
            continue
        if event.get("event") in ("restart", "session_started"):
            return True
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if event.get("event") == "user" and intent in GOODBYE_INTENTS:
            return True
    return False


WAITING_ACK_GAP = 120.0
"""Seconds between two "you are still in line" answers to a person writing while waiting."""


def has_message(events: list[dict[str, Any]], message_id: int) -> bool:
    return any(
        e.get("event") == "bot" and (e.get("metadata") or {}).get("message_id") == message_id
        for e in events
    )


def transcript_text(event: dict[str, Any]) -> str:
    """What a person or the bot said in one tracker event ("" for anything else); results
    read as the same text the REST channel gives (`bot.dialogue.results.render_text`)."""
    if event.get("event") not in ("user", "bot"):
        return ""
    text = str(event.get("text") or "").strip()
    custom = (event.get("data") or {}).get("custom") if event.get("event") == "bot" else None
    if not text and results.is_results(custom):
        return results.render_text(custom)
    return text


class Backoff:
    """When each failed delivery may be tried again: doubling waits, capped (in memory: the
    rows themselves are durable, so a restarted web app simply tries them at once)."""

    def __init__(
        self, first: float = 0.5, cap: float = 15.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.first, self.cap, self.clock = first, cap, clock
        self.tries: dict[int, tuple[int, float]] = {}

    def due(self, key: int) -> bool:
        return self.clock() >= self.tries.get(key, (0, 0.0))[1]

    def failed(self, key: int) -> float:
        """Record a failure; returns the seconds until the next try."""
        count = self.tries.get(key, (0, 0.0))[0] + 1
        wait = min(self.cap, self.first * 2 ** (count - 1))
        self.tries[key] = (count, self.clock() + wait)
        return wait

    def done(self, key: int) -> None:
        self.tries.pop(key, None)


class Presence:
    """Which counsellors have a console open in this process, and since when one has been
    gone (one web app; several share `bot.handoff.shared.RedisPresence`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.sockets: dict[int, int] = {}
        self.gone_since: dict[int, float] = {}

    async def connected(self, counsellor_id: int) -> bool:
        """Count one more console; True when the counsellor just came online."""
        self.sockets[counsellor_id] = self.sockets.get(counsellor_id, 0) + 1
        self.gone_since.pop(counsellor_id, None)
        return self.sockets[counsellor_id] == 1

    async def disconnected(self, counsellor_id: int) -> bool:
        """Count one console less; True when the counsellor's last console just closed."""
        count = self.sockets.get(counsellor_id, 0) - 1
        if count <= 0:
            self.sockets.pop(counsellor_id, None)
            self.gone_since[counsellor_id] = self.clock()
            return True
        self.sockets[counsellor_id] = count
        return False

    async def absent_for(self, counsellor_id: int) -> float:
        """Seconds without a console (counted from process start after a restart)."""
        if self.sockets.get(counsellor_id):
            return 0.0
        return self.clock() - self.gone_since.get(counsellor_id, self.started)

    async def online(self) -> set[int]:
        return set(self.sockets)

    async def heartbeat(self) -> None:
        """Nothing to refresh in memory."""


class HandoffService:
    """Everything the console does, plus the background relay."""

    def __init__(
        self,
        store: HandoffStore,
        rasa: RasaApi,
        settings: HandoffSettings,
        shared: Shared | None = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.settings = settings
        self.shared = shared or Shared.in_memory()
        self.presence = self.shared.presence
        self._names: dict[int, str] = {}
        self.backoff = Backoff()

    @property
    def listeners(self) -> set[Listener]:
        """The consoles open in this process."""
        return self.shared.hub.listeners

    # --- broadcasting ------------------------------------------------------------------

    async def publish(self, payload: dict[str, Any]) -> None:
        """Send `payload` to every open console, in every web app sharing the service."""
        await self.shared.hub.publish(payload)

    async def publish_queue(self) -> None:
        await self.publish({"type": "queue", "items": await self.queue_items()})

    async def queue_items(self) -> list[dict[str, Any]]:
        items = await queue.waiting_queue(self.store)
        for item in items:
            if item.get("claimed_by"):
                item["claimed_by_name"] = await self.counsellor_name(item["claimed_by"])
        return items

    async def counsellor_name(self, counsellor_id: int) -> str:
        if counsellor_id not in self._names:
            row = await self.store.counsellor_by_id(counsellor_id)
            self._names[counsellor_id] = row["name"] if row else "?"
        return self._names[counsellor_id]

    # --- counsellor actions ------------------------------------------------------------

    async def claim(self, escalation_id: str, counsellor_id: int) -> bool:
        if not await self.store.claim(escalation_id, counsellor_id):
            return False
        item = await self.store.escalation(escalation_id)
        assert item is not None
        name = await self.counsellor_name(counsellor_id)
        await self._say(item, SYSTEM, t("handoff.person.joined", item["language"], name=name))
        await self.publish_queue()
        return True

    async def send(self, escalation_id: str, counsellor_id: int, text: str) -> dict[str, Any]:
        """A counsellor's message to the person; raises PermissionError if not theirs."""
        item = await self._held(escalation_id, counsellor_id)
        name = await self.counsellor_name(counsellor_id)
        return await self._say(item, COUNSELLOR, text, author=name)

    async def add_note(self, escalation_id: str, counsellor_id: int, text: str) -> dict[str, Any]:
        await self._held(escalation_id, counsellor_id)
        row = await self.store.add_note(escalation_id, counsellor_id, text)
        row["author"] = await self.counsellor_name(counsellor_id)
        await self.publish({"type": "note", "escalation_id": escalation_id, "note": row})
        return row

    async def close(self, escalation_id: str, counsellor_id: int | None, outcome: str) -> bool:
        """Close (with an outcome) or hand back (`RETURNED`): the bot takes over again."""
        item = await self.store.escalation(escalation_id)
        if item is None:
            return False
        key = "handoff.person.back" if outcome == RETURNED else "handoff.person.closed"
        text = t(key, item["language"])
        row = await self.store.close_and_resume(escalation_id, outcome, counsellor_id, text)
        if row is None:
            return False
        await self._resume_now(item, row)
        await self.publish_queue()
        return True

    async def counsellor_left(self, counsellor_id: int) -> int:
        """Logout or console gone too long: their conversations go back to the bot."""
        count = 0
        for item in await self.store.held_by(counsellor_id):
            text = t("handoff.person.counsellor_left", item["language"])
            row = await self.store.close_and_resume(item["id"], RETURNED, counsellor_id, text)
            if row is not None:
                await self._resume_now(item, row)
                count += 1
        if count:
            await self.publish_queue()
        return count

    async def _resume_now(self, item: dict[str, Any], row: dict[str, Any]) -> None:
        """Show the notice in the console and try the resume at once (the relay retries)."""
        await self.publish({"type": "message", "escalation_id": item["id"], "message": row})
        resume = {**row, "sender_id": item["sender_id"], "channel": item.get("channel")}
        await self._deliver_resume(resume, check_first=False)

    async def _deliver_resume(self, row: dict[str, Any], *, check_first: bool = True) -> bool:
        """Post `resume`, the notice and `action_listen` in one request (one tracker update
        under Rasa's lock); marked sent only once Rasa confirmed. After a failure, the
        tracker is read first: a request that timed out may have been applied."""
        inflight = f"resume:{row['id']}"
        if not self.backoff.due(row["id"]) or not await self.shared.inflight.take(inflight):
            return False
        try:
            sender_id = row["sender_id"]
            if check_first and has_message(
                (await self.rasa.tracker(sender_id)).get("events") or [], row["id"]
            ):
                delivered = True
            else:
                metadata = {"type": "handoff_notice", "name": None, "message_id": row["id"]}
                events = [
                    {"event": "resume"},
                    bot_event(row["text"], metadata, row.get("channel")),
                    {"event": "action", "name": "action_listen"},
                ]
                await self.rasa.append_events(sender_id, events, deliver=True)
                delivered = True
        except RasaUnavailable as exc:
            wait = self.backoff.failed(row["id"])
            log.warning("resume of %s failed (%s): retry in %.1f s", row["sender_id"], exc, wait)
            return False
        finally:
            await self.shared.inflight.drop(inflight)
        self.backoff.done(row["id"])
        if delivered and await self.store.mark_sent(row["id"]):
            await self.publish(
                {"type": "delivered", "escalation_id": row["escalation_id"], "id": row["id"]}
            )
        return True

    async def drain_resumes(self) -> int:
        """Deliver every pending resume that is due (each relay pass, the first at start)."""
        count = 0
        for row in await self.store.pending_resumes():
            if await self._deliver_resume(row):
                count += 1
        return count

    async def _held(self, escalation_id: str, counsellor_id: int) -> dict[str, Any]:
        item = await self.store.escalation(escalation_id)
        if item is None or item["status"] != ACTIVE or item["claimed_by"] != counsellor_id:
            raise PermissionError(escalation_id)
        return item

    async def _say(
        self, item: dict[str, Any], direction: str, text: str, author: str | None = None
    ) -> dict[str, Any]:
        row = await self.store.queue_outgoing(item["id"], direction, text, author)
        await self.publish({"type": "message", "escalation_id": item["id"], "message": row})
        await self._deliver(item, row)
        return row

    async def _deliver(self, item: dict[str, Any], row: dict[str, Any]) -> bool:
        metadata = {
            "type": "counsellor_message" if row["direction"] == COUNSELLOR else "handoff_notice",
            "name": row.get("author"),
            "message_id": row["id"],
        }
        try:
            if row.get("payload"):  # a resource card: the payload every channel renders
                event = {"event": "bot", "text": None, "metadata": metadata,
                         "data": {"custom": row["payload"]}}  # fmt: skip
                await self.rasa.append_events(item["sender_id"], [event], deliver=True)
            else:
                await self.rasa.say(item["sender_id"], row["text"], metadata, item.get("channel"))
        except RasaUnavailable:
            log.warning("message %s to %s stays pending", row["id"], item["sender_id"])
            return False
        if await self.store.mark_sent(row["id"]):
            row["status"] = "sent"
            await self.publish({"type": "delivered", "escalation_id": item["id"], "id": row["id"]})
        return True

    # --- transcript --------------------------------------------------------------------

    async def transcript(self, item: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The conversation with the bot before the escalation (None if Rasa is down)."""
        try:
            tracker = await self.rasa.tracker(item["sender_id"])
        except RasaUnavailable:
            return None
        lines: list[dict[str, Any]] = []
        for event in tracker.get("events") or []:
            if float(event.get("timestamp") or 0) > item["created_at"] + 5:
                break
            if event.get("event") in ("restart", "session_started"):
                lines = []  # Law 25: the current conversation only, not the phone's history
            text = transcript_text(event)
            if text:
                who = "person" if event["event"] == "user" else "bot"
                lines.append({"who": who, "text": text, "at": event.get("timestamp")})
        return lines

    # --- the relay ---------------------------------------------------------------------

    async def relay_once(self) -> None:
        """One pass: new person messages, departures, absent counsellors, retries.

        Trackers are read concurrently (a few at a time) so the pass stays short with many
        open conversations; the database is read once per pass.
        """
        now = self.store.clock()
        items = await self.store.open_escalations()
        pending: dict[str, list[dict[str, Any]]] = {}
        for row in await self.store.pending_messages():
            if now - row["created_at"] >= RESEND_AFTER:
                pending.setdefault(row["escalation_id"], []).append(row)
        limit = asyncio.Semaphore(RELAY_CONCURRENCY)

        async def one(item: dict[str, Any]) -> None:
            async with limit:
                try:
                    tracker = await self.rasa.tracker(item["sender_id"])
                except RasaUnavailable:
                    return
            events = tracker.get("events") or []
            await self._relay_messages(item, events)
            await self._check_departure(item, events, now)
            await self._retry_pending(item, events, pending.get(item["id"], []))

        await asyncio.gather(*(one(item) for item in items))
        await self.drain_resumes()
        await self._check_counsellors(items)
        await self._announce_positions()

    async def _relay_messages(self, item: dict[str, Any], events: list[dict[str, Any]]) -> None:
        mark = float(item.get("last_event_ts") or 0.0)
        fresh = new_user_events(events, mark)
        if not fresh:
            return
        newest = max(float(e["timestamp"]) for e in fresh)
        rows = await self.store.record_person_messages(item["id"], fresh, newest)
        for row in rows:
            await self.publish({"type": "message", "escalation_id": item["id"], "message": row})
        if rows and item["status"] == WAITING:
            await self._acknowledge_waiting(item, min(float(r["created_at"]) for r in rows))

    async def _acknowledge_waiting(self, item: dict[str, Any], first_new: float) -> None:
        """A person who writes while waiting hears they are still in line and will be
        answered there: their first message, then one at most every `WAITING_ACK_GAP`
        seconds. "allo?", "c'est long là", "laisse faire je vais appeler" got no answer at
        all (a tester)."""
        previous = float(item.get("last_person_at") or item["created_at"])
        first = previous <= float(item["created_at"])
        if not first and first_new - previous < WAITING_ACK_GAP:
            return
        place = queue.position(await self.store.open_escalations(), item["id"])
        if place is None:
            return  # claimed meanwhile: the counsellor answers
        language = item["language"]
        text = t("handoff.person.already_queued", language,
                 position=queue.ordinal(place, language))  # fmt: skip
        await self._say(item, SYSTEM, text)

    async def _check_departure(
        self, item: dict[str, Any], events: list[dict[str, Any]], now: float
    ) -> None:
        if item.get("person_left_at"):
            return
        idle = now - float(item.get("last_person_at") or item["created_at"])
        mark = float(item["created_at"])
        if (left_conversation(events, mark) or idle > self.settings.person_idle) and (
            await self.store.mark_person_left(item["id"])
        ):
            await self.publish({"type": "person_left", "escalation_id": item["id"]})
            await self.publish_queue()

    async def _retry_pending(
        self, item: dict[str, Any], events: list[dict[str, Any]], rows: list[dict[str, Any]]
    ) -> None:
        for row in rows:
            if has_message(events, row["id"]):
                await self.store.mark_sent(row["id"])
            else:
                await self._deliver(item, row)

    async def _check_counsellors(self, items: list[dict[str, Any]]) -> None:
        held = {e["claimed_by"] for e in items if e["claimed_by"] and e["status"] == ACTIVE}
        for counsellor_id in held:
            if await self.presence.absent_for(counsellor_id) > self.settings.counsellor_grace:
                await self.counsellor_left(counsellor_id)

    async def _announce_positions(self) -> None:
        """Tell waiting people when they move up in line (never twice the same place)."""
        items = await self.store.open_escalations()
        for item in items:
            if item["status"] != WAITING:
                continue
            place = queue.position(items, item["id"])
            known = item.get("announced_position")
            if place is None or known is None or place >= known:
                continue
            await self.store.set_announced_position(item["id"], place)
            minutes = await queue.estimate_minutes(
                self.store, place, self.settings.minutes_per_person
            )
            text = t("handoff.person.position_update", item["language"],
                     position=queue.ordinal(place, item["language"]), minutes=minutes)  # fmt: skip
            await self._say(item, SYSTEM, text)

    async def run_relay(self, stop: asyncio.Event) -> None:
        """The background task: a pass every `poll_interval` seconds until `stop`. With
        several web apps, each says its consoles are alive and one at a time runs the pass."""
        lock = self.shared.pass_lock
        while not stop.is_set():
            started = time.monotonic()
            try:
                await self.presence.heartbeat()
                token = await lock.acquire() if lock is not None else ""
                if token is not None:
                    try:
                        await self.relay_once()
                    finally:
                        if lock is not None and token:
                            await lock.release(token)
            except Exception:
                log.exception("handoff relay pass failed")
            delay = max(0.05, self.settings.poll_interval - (time.monotonic() - started))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)


__all__ = ["CLOSED", "HandoffService", "Presence"]
