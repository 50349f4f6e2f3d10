"""What the SMS channel must remember between messages, in `RELAIS_DATABASE_URL`.

Tables (own, prefixed `sms_`):
- `sms_contact`: one row per phone, keyed by the hashed `sender_id`; the number encrypted
  (needed to send later), the opt-out (STOP), the options last offered (so "2" can be
  mapped back to a payload) and the pages still waiting for "more" (encrypted: they may
  quote what the person wrote).
- `sms_inbound`: every message accepted, by MessageSid, so a webhook delivered twice is handled
  once; until it has been handled, the message itself (number and text encrypted) and the
  gateway that took it, so that another server takes over what a killed one left (cleared once
  handled: only the MessageSid stays, for the dedupe, and goes after 7 days).

SQLAlchemy Core 1.4 in 2.0 style on an `AsyncEngine` (aiosqlite / asyncpg): the channel runs
inside Rasa's event loop and must not block it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from .sms_privacy import NumberCipher

metadata = MetaData()

sms_contact = Table(
    "sms_contact",
    metadata,
    Column("sender_id", String(80), primary_key=True),
    Column("number_token", Text, nullable=False),
    Column("opted_out", Boolean, nullable=False, default=False),
    Column("opted_out_at", DateTime(timezone=True)),
    Column("options", Text),
    Column("pending", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sms_inbound = Table(
    "sms_inbound",
    metadata,
    Column("message_sid", String(64), primary_key=True),
    Column("sender_id", String(80), nullable=False, index=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text),
    Column("owner", String(40)),
    Column("taken_at", DateTime(timezone=True)),
    Column("handled_at", DateTime(timezone=True), index=True),
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Option:
    """A numbered choice offered by SMS (a Rasa button)."""

    title: str
    payload: str


@dataclass(frozen=True)
class Unhandled:
    """A message a gateway accepted and did not finish handling (its process died)."""

    message_sid: str
    sender_id: str
    number: str
    body: str


@dataclass
class Contact:
    sender_id: str
    number: str
    opted_out: bool = False
    options: list[Option] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)


def _options_json(options: list[Option]) -> str | None:
    data = [{"title": o.title, "payload": o.payload} for o in options]
    return json.dumps(data, ensure_ascii=False) if data else None


class SmsStore:
    """Async access to the `sms_` tables; numbers and pending pages encrypted with `cipher`."""

    def __init__(self, engine: AsyncEngine, cipher: NumberCipher) -> None:
        self.engine = engine
        self.cipher = cipher

    async def init(self) -> None:
        """Bring the database to the project's schema, these tables included (`bot.db`:
        one migration history; idempotent, only a read when up to date)."""
        from bot.db import upgrade_async

        await upgrade_async(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # --- duplicates ------------------------------------------------------------------------

    async def claim_message(
        self, message_sid: str, sender_id: str, *, number: str = "", body: str = "", owner: str = ""
    ) -> bool:
        """True the first time a MessageSid is seen, False for a redelivery. The message is
        kept (encrypted) for `owner` until `handled`."""
        now = _now()
        payload = self.cipher.encrypt(json.dumps({"number": number, "body": body}))
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    insert(sms_inbound).values(
                        message_sid=message_sid,
                        sender_id=sender_id,
                        received_at=now,
                        payload=payload,
                        owner=owner,
                        taken_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def start_handling(self, message_sid: str, owner: str) -> bool:
        """True when `owner` still holds the message and it is not handled yet: then it is
        `owner`'s to handle (another server may have taken over a message left waiting)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(sms_inbound)
                .where(
                    sms_inbound.c.message_sid == message_sid,
                    sms_inbound.c.owner == owner,
                    sms_inbound.c.handled_at.is_(None),
                )
                .values(taken_at=_now())
            )
        return bool(result.rowcount)

    async def handled(self, message_sid: str) -> None:
        """The message's handling ended: its text and number are not kept any longer."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(sms_inbound)
                .where(sms_inbound.c.message_sid == message_sid)
                .values(handled_at=_now(), payload=None)
            )

    async def take_over(self, owner: str, older_than: timedelta) -> list[Unhandled]:
        """The messages taken more than `older_than` ago and never handled (their gateway
        died), now `owner`'s: each is taken by one gateway only, oldest first."""
        moment = _now() - older_than
        async with self.engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        select(sms_inbound)
                        .where(sms_inbound.c.handled_at.is_(None), sms_inbound.c.taken_at < moment)
                        .order_by(sms_inbound.c.received_at)
                    )
                )
                .mappings()
                .all()
            )
        taken: list[Unhandled] = []
        for row in rows:
            async with self.engine.begin() as conn:
                result = await conn.execute(
                    update(sms_inbound)
                    .where(
                        sms_inbound.c.message_sid == row["message_sid"],
                        sms_inbound.c.handled_at.is_(None),
                        sms_inbound.c.taken_at < moment,  # nobody took it since the read
                    )
                    .values(owner=owner, taken_at=_now())
                )
            if not result.rowcount:
                continue  # another gateway was quicker
            content = json.loads(self.cipher.decrypt(row["payload"])) if row["payload"] else {}
            taken.append(
                Unhandled(
                    row["message_sid"],
                    row["sender_id"],
                    content.get("number", ""),
                    content.get("body", ""),
                )
            )
        return taken

    async def forget_messages_before(self, moment: datetime | None = None) -> int:
        """Drop MessageSids older than `moment` (default: 7 days; providers retry for hours)."""
        moment = moment or _now() - timedelta(days=7)
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(sms_inbound).where(sms_inbound.c.received_at < moment)
            )
        return int(result.rowcount or 0)

    # --- contacts --------------------------------------------------------------------------

    async def remember(self, sender_id: str, number: str) -> bool:
        """Make sure the phone has a row, with its number encrypted (kept if already there);
        True when the row is new (a first message: the privacy notice goes with the reply)."""
        if await self._exists(sender_id):
            return False
        now = _now()
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    insert(sms_contact).values(
                        sender_id=sender_id,
                        number_token=self.cipher.encrypt(number),
                        opted_out=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:  # another worker inserted it first
            return False
        return True

    async def _exists(self, sender_id: str) -> bool:
        async with self.engine.connect() as conn:
            row = await conn.execute(
                select(sms_contact.c.sender_id).where(sms_contact.c.sender_id == sender_id)
            )
            return row.first() is not None

    async def contact(self, sender_id: str) -> Contact | None:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(sms_contact).where(sms_contact.c.sender_id == sender_id)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return Contact(
            sender_id=sender_id,
            number=self.cipher.decrypt(row["number_token"]),
            opted_out=bool(row["opted_out"]),
            options=[Option(**item) for item in json.loads(row["options"] or "[]")],
            pending=json.loads(self.cipher.decrypt(row["pending"])) if row["pending"] else [],
        )

    async def _update(self, sender_id: str, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(sms_contact)
                .where(sms_contact.c.sender_id == sender_id)
                .values(updated_at=_now(), **values)
            )

    async def set_opted_out(self, sender_id: str, opted_out: bool) -> None:
        """STOP (True) or START (False); a STOP also forgets what was waiting to be sent."""
        values: dict[str, Any] = {
            "opted_out": opted_out,
            "opted_out_at": _now() if opted_out else None,
        }
        if opted_out:
            values.update(options=None, pending=None)
        await self._update(sender_id, **values)

    async def is_opted_out(self, sender_id: str) -> bool:
        async with self.engine.connect() as conn:
            value = (
                await conn.execute(
                    select(sms_contact.c.opted_out).where(sms_contact.c.sender_id == sender_id)
                )
            ).scalar()
        return bool(value)

    async def save_reply(
        self, sender_id: str, *, pending: list[str], options: list[Option] | None = None
    ) -> None:
        """After a reply: the pages waiting for "more" and, unless None (keep them), the
        choices just offered (a digit means the LAST list). One write."""
        values: dict[str, Any] = {"pending": self._pending_token(pending)}
        if options is not None:
            values["options"] = _options_json(options)
        await self._update(sender_id, **values)

    async def save_options(self, sender_id: str, options: list[Option]) -> None:
        await self._update(sender_id, options=_options_json(options))

    async def save_pending(self, sender_id: str, pages: list[str]) -> None:
        await self._update(sender_id, pending=self._pending_token(pages))

    def _pending_token(self, pages: list[str]) -> str | None:
        return self.cipher.encrypt(json.dumps(pages, ensure_ascii=False)) if pages else None

    async def pop_pending(self, sender_id: str) -> str | None:
        """The next page waiting for "more", removed from the store; None if nothing waits."""
        contact = await self.contact(sender_id)
        if contact is None or not contact.pending:
            return None
        first, rest = contact.pending[0], contact.pending[1:]
        await self.save_pending(sender_id, rest)
        return first
