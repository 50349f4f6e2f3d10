"""Everything Relais holds about a person, store by store: export it, erase it, and apply
the retention policy to all of it.

The stores (docs/privacy.md has the full list):
- `tracker`: Rasa's tracker store, every event of every conversation (words, slots, the
  widget's shared location), erased through the Rasa process (`rasa_channel`) when it runs;
- `handoff`: escalations, the messages exchanged with a counsellor, counsellors' notes;
- `callbacks`: callback requests (the number sealed, `identity`);
- `sms`: the phone's SMS state (number sealed, options offered, pages waiting for "more")
  and the ids of messages already received;
- `stats`: the anonymous facts of each conversation behind the statistics (`bot.stats`),
  found for a week by a keyed hash of the conversation id: erasure unlinks them (they keep
  counting, as nobody's conversation);
- `register`: accesses to transcripts (no content; kept `access_days`);
- `logs`: rotated log files (redacted).

A person is found by a conversation id (the widget's session id, an SMS conversation
`sms-…`) or by a phone number, which finds its SMS conversation and its callbacks (and the
conversations those callbacks came from). SQLite files are scrubbed after erasure
(`scrub`), so deleted rows cannot be read back from the file.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine

from bot.channels.sms_store import sms_contact, sms_inbound
from bot.handoff.store import callback, escalation, message, note
from bot.settings import Settings

from . import logs, register, scrub, tracker_rows
from .identity import phone_key, server_secret, unseal
from .policy import DAY, RetentionPolicy

log = logging.getLogger(__name__)

STORES: tuple[str, ...] = ("tracker", "handoff", "callbacks", "sms", "stats", "register", "logs")
PURGED = "purged"
"""What a handoff record's conversation id becomes once its text is gone."""
SMS_DEDUPE_DAYS = 7.0
"""Received MessageSids are kept this long at most (providers retry for hours)."""


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: conversation ids and/or a phone number."""

    conversations: tuple[str, ...] = ()
    phone: str | None = None

    def describe(self) -> str:
        """For the register: ids only, never the number itself."""
        parts = list(self.conversations)
        if self.phone:
            parts.append(f"phone:{phone_key(self.phone)}")
        return " ".join(parts) or "-"


@dataclass
class Report:
    """What was removed (or found), per store and kind of record."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, store: str, kind: str, count: int) -> None:
        self.counts.setdefault(store, {})
        self.counts[store][kind] = self.counts[store].get(kind, 0) + int(count)

    def total(self) -> int:
        return sum(n for kinds in self.counts.values() for n in kinds.values())

    def lines(self, language: str) -> list[str]:
        from bot.texts import t

        lines = []
        for store in STORES:
            kinds = self.counts.get(store)
            if kinds is None:
                continue
            detail = ", ".join(
                t("privacy.report.count", language, count=n, kind=t(f"privacy.kind.{k}", language))
                for k, n in kinds.items()
            )
            lines.append(
                t("privacy.report.line", language, store=t(f"privacy.store.{store}", language),
                  detail=detail or t("privacy.report.nothing", language))
            )  # fmt: skip
        return lines


def _iso(epoch: Any) -> str | None:
    if epoch is None:
        return None
    if isinstance(epoch, datetime):
        return epoch.astimezone(timezone.utc).isoformat()
    return datetime.fromtimestamp(float(epoch), timezone.utc).isoformat()


def _plain(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for key, value in data.items():
        timestamp = isinstance(value, float) and (key.endswith("_at") or key == "at")
        if isinstance(value, datetime) or timestamp:
            data[key] = _iso(value)
    return data


class Privacy:
    """Export, erasure and retention over every store of one installation."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        tracker_engine: Engine | None = None,
        log_dir: Path | None = None,
        clock: Any = time.time,
    ) -> None:
        from bot.directory.store import create_engine_from_url
        from bot.ops.runner import LOG_DIR

        self.settings = settings
        self.engine = engine or create_engine_from_url(settings.database_url)
        if tracker_engine is None:
            from sqlalchemy import create_engine

            tracker_engine = create_engine(tracker_rows.tracker_url(), future=True)
        self.tracker = tracker_engine
        self.log_dir = log_dir or LOG_DIR
        self.clock = clock

    def close(self) -> None:
        self.engine.dispose()
        self.tracker.dispose()

    # --- who -------------------------------------------------------------------------------

    def conversations_of(self, subject: Subject) -> tuple[list[str], str | None]:
        """Every conversation id of the subject, and the phone's key (if a phone was given)."""
        ids = set(subject.conversations)
        key = phone_key(subject.phone) if subject.phone else None
        if key:
            ids.add(key)
            with self.engine.connect() as conn:
                found = conn.execute(
                    select(callback.c.sender_id).where(callback.c.phone_key == key)
                )
                ids.update(row[0] for row in found if row[0] and row[0] != PURGED)
        return sorted(ids), key

    # --- export ----------------------------------------------------------------------------

    def export(
        self, subject: Subject, actor: str = "cli", counsellor_id: int | None = None
    ) -> dict:
        """One JSON-ready document of everything held about the subject (Law 25, s. 27)."""
        ids, key = self.conversations_of(subject)
        events = tracker_rows.conversation_events(self.tracker, ids)
        secret = server_secret()
        with self.engine.begin() as conn:
            document = {
                "generated_at": _iso(self.clock()),
                "retention": asdict(self.settings.retention),
                "conversations": [conversation_record(i, events.get(i, [])) for i in ids],
                "handoff": self._export_handoff(conn, ids),
                "callbacks": self._export_callbacks(conn, ids, key, secret),
                "sms": self._export_sms(conn, ids, secret),
            }
            register.record_access(
                conn, actor=actor, action=register.EXPORT, target=subject.describe(),
                counsellor_id=counsellor_id,
            )  # fmt: skip
        return document

    def _export_handoff(self, conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
        items = []
        query = select(escalation).where(escalation.c.sender_id.in_(ids))
        for row in conn.execute(query.order_by(escalation.c.created_at)):
            item = _plain(row)
            for name in ("services", "needs"):
                item[name] = json.loads(item.get(name) or "[]")
            item["messages"] = [
                _plain(m)
                for m in conn.execute(
                    select(message.c.direction, message.c.author, message.c.text,
                           message.c.created_at)
                    .where(message.c.escalation_id == row.id)
                    .order_by(message.c.created_at, message.c.id)
                )
            ]  # fmt: skip
            item["notes"] = [
                _plain(n)
                for n in conn.execute(
                    select(note.c.text, note.c.created_at)
                    .where(note.c.escalation_id == row.id)
                    .order_by(note.c.id)
                )
            ]
            items.append(item)
        return items

    def _export_callbacks(
        self, conn: Connection, ids: list[str], key: str | None, secret: str
    ) -> list[dict[str, Any]]:
        found = callback.c.sender_id.in_(ids)
        if key:
            found = or_(found, callback.c.phone_key == key)
        rows = conn.execute(select(callback).where(found).order_by(callback.c.created_at))
        return [{**_plain(r), "phone": unseal(r.phone, secret), "phone_key": None} for r in rows]

    def _export_sms(self, conn: Connection, ids: list[str], secret: str) -> list[dict[str, Any]]:
        from bot.channels.sms_privacy import NumberCipher

        cipher = NumberCipher(secret)
        contacts = []
        for row in conn.execute(select(sms_contact).where(sms_contact.c.sender_id.in_(ids))):
            item = _plain(row)
            item["number"] = _decrypt(cipher, item.pop("number_token"))
            item["options"] = json.loads(item["options"] or "[]")
            pending = _decrypt(cipher, item["pending"]) if item["pending"] else None
            item["pending"] = json.loads(pending) if pending else []
            item["messages_received"] = conn.execute(
                select(func.count()).where(sms_inbound.c.sender_id == row.sender_id)
            ).scalar()
            contacts.append(item)
        return contacts

    # --- erasure ---------------------------------------------------------------------------

    def forget(
        self, subject: Subject, actor: str = "cli", counsellor_id: int | None = None
    ) -> Report:
        """Erase everything held about the subject, in every store; what went, per store."""
        ids, key = self.conversations_of(subject)
        report = Report()
        report.add("tracker", "events", self.forget_tracker(ids))
        with self.engine.begin() as conn:
            self._forget_rows(conn, ids, key, report)
            register.record_access(
                conn, actor=actor, action=register.FORGET, target=subject.describe(),
                counsellor_id=counsellor_id,
            )  # fmt: skip
        scrub.scrub(self.engine)
        report.add("logs", "messages", 0)
        return report

    def _forget_rows(
        self, conn: Connection, ids: list[str], key: str | None, report: Report
    ) -> None:
        held = select(escalation.c.id).where(escalation.c.sender_id.in_(ids)).scalar_subquery()
        report.add(
            "handoff", "notes", _deleted(conn, delete(note).where(note.c.escalation_id.in_(held)))
        )
        report.add(
            "handoff", "messages",
            _deleted(conn, delete(message).where(message.c.escalation_id.in_(held))),
        )  # fmt: skip
        report.add(
            "handoff", "escalations",
            _deleted(conn, delete(escalation).where(escalation.c.sender_id.in_(ids))),
        )  # fmt: skip
        found = callback.c.sender_id.in_(ids)
        if key:
            found = or_(found, callback.c.phone_key == key)
        report.add("callbacks", "callbacks", _deleted(conn, delete(callback).where(found)))
        report.add(
            "sms", "contacts",
            _deleted(conn, delete(sms_contact).where(sms_contact.c.sender_id.in_(ids))),
        )  # fmt: skip
        report.add(
            "sms", "message_ids",
            _deleted(conn, delete(sms_inbound).where(sms_inbound.c.sender_id.in_(ids))),
        )  # fmt: skip
        report.add("stats", "unlinked", _unlink_stats(conn, ids))

    def forget_tracker(self, ids: list[str]) -> int:
        """Erase conversations from Rasa's tracker store: through the Rasa process (which
        holds live conversations in memory) when it runs, else in the database directly."""
        if not ids:
            return 0
        answer = self._ask_rasa("forget", {"sender_ids": ids})
        if answer is not None:
            return int(answer.get("events") or 0)
        removed = tracker_rows.delete_conversations(self.tracker, ids)
        scrub.scrub(self.tracker)
        return removed

    def _ask_rasa(self, what: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """POST to the Rasa process's privacy endpoint; None when Rasa is not running."""
        url = f"{self.settings.rasa_url}/webhooks/relais_privacy/{what}"
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.settings.rasa_token}"},
            method="POST",
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return dict(json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    # --- retention -------------------------------------------------------------------------

    def purge(self, policy: RetentionPolicy | None = None) -> Report:
        """Apply the retention policy to every store (`relais run` does it on a schedule)."""
        policy = policy or self.settings.retention
        now = self.clock()
        text_cutoff = now - policy.text_days * DAY
        record_cutoff = now - policy.handoff_days * DAY
        report = Report()
        answer = self._ask_rasa("purge", {"before": text_cutoff})
        if answer is None:
            stale = tracker_rows.stale_conversations(self.tracker, text_cutoff)
            report.add("tracker", "events", tracker_rows.delete_conversations(self.tracker, stale))
            scrub.scrub(self.tracker)
        else:
            report.add("tracker", "events", int(answer.get("events") or 0))
        with self.engine.begin() as conn:
            self._purge_handoff(conn, text_cutoff, record_cutoff, report)
            self._purge_sms(conn, text_cutoff, now, report)
            report.add(
                "register", "accesses",
                register.purge_accesses(conn, now - policy.access_days * DAY),
            )  # fmt: skip
        scrub.scrub(self.engine)
        logs.rotate(self.log_dir, now)
        report.add("logs", "files", logs.prune(self.log_dir, policy.log_days))
        return report

    def _purge_handoff(
        self, conn: Connection, text_cutoff: float, record_cutoff: float, report: Report
    ) -> None:
        last = func.coalesce(escalation.c.closed_at, escalation.c.last_person_at,
                             escalation.c.created_at)  # fmt: skip
        quiet = select(escalation.c.id).where(last < text_cutoff).scalar_subquery()
        report.add(
            "handoff", "notes", _deleted(conn, delete(note).where(note.c.escalation_id.in_(quiet)))
        )
        report.add(
            "handoff", "messages",
            _deleted(conn, delete(message).where(message.c.escalation_id.in_(quiet))),
        )  # fmt: skip
        conn.execute(
            update(escalation)
            .where(last < text_cutoff, escalation.c.sender_id != PURGED)
            .values(sender_id=PURGED)
        )
        report.add(
            "handoff", "escalations",
            _deleted(conn, delete(escalation).where(escalation.c.created_at < record_cutoff)),
        )  # fmt: skip
        report.add(
            "callbacks", "numbers",
            int(conn.execute(
                update(callback)
                .where(callback.c.created_at < text_cutoff, callback.c.phone != "")
                .values(phone="", phone_key=None, best_time=None, sender_id=PURGED)
            ).rowcount or 0),
        )  # fmt: skip
        report.add(
            "callbacks", "callbacks",
            _deleted(conn, delete(callback).where(callback.c.created_at < record_cutoff)),
        )  # fmt: skip

    def _purge_sms(self, conn: Connection, text_cutoff: float, now: float, report: Report) -> None:
        moment = datetime.fromtimestamp(text_cutoff, timezone.utc)
        dedupe = datetime.fromtimestamp(min(text_cutoff, now - SMS_DEDUPE_DAYS * DAY), timezone.utc)
        report.add(
            "sms", "contacts",
            _deleted(conn, delete(sms_contact).where(sms_contact.c.updated_at < moment)),
        )  # fmt: skip
        report.add(
            "sms", "message_ids",
            _deleted(conn, delete(sms_inbound).where(sms_inbound.c.received_at < dedupe)),
        )  # fmt: skip


def _deleted(conn: Connection, statement: Any) -> int:
    return int(conn.execute(statement).rowcount or 0)


def _unlink_stats(conn: Connection, ids: list[str]) -> int:
    """The conversations' statistics facts, unlinked (`bot.stats.store.unlink`)."""
    from bot.stats import store
    from bot.stats.events import keyed

    secret = server_secret()
    return store.unlink(conn, [keyed(secret, sender_id) for sender_id in ids])


def _decrypt(cipher: Any, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return str(cipher.decrypt(token))
    except ValueError:
        return None


def conversation_record(sender_id: str, events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A conversation as the export shows it: who said what when, the slots' last values,
    and every stored event as Rasa keeps it (nothing held is left out)."""
    events = list(events)
    said = []
    slots: dict[str, Any] = {}
    for event in events:
        kind = event.get("event")
        if kind in ("user", "bot") and (
            event.get("text") or (event.get("data") or {}).get("custom")
        ):
            said.append({
                "at": _iso(event.get("timestamp")),
                "from": "person" if kind == "user" else "assistant",
                "text": event.get("text"),
                "metadata": event.get("metadata") or None,
            })  # fmt: skip
        elif kind == "slot":
            slots[str(event.get("name"))] = event.get("value")
    channel = "sms" if sender_id.startswith("sms-") else "web"
    return {"id": sender_id, "channel": channel, "messages": said, "slots": slots, "events": events}


__all__ = ["STORES", "Privacy", "Report", "Subject"]
