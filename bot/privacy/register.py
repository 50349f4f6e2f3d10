"""The privacy register: who opened which transcript when, and the incidents recorded.

Law 25 (s. 3.8) asks every organization to keep a register of confidentiality incidents;
knowing who saw a conversation is what lets a 211 assess one. Each console access to a
transcript, each export and each erasure adds a row to `privacy_access` (no text, no
identifier of the person: the escalation or a pseudonymous conversation id); incidents are
described by staff (`relais privacy incidents --record`, or the console's privacy page).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

VIEW_TRANSCRIPT, EXPORT, FORGET = "view_transcript", "export", "forget"
ACTIONS: tuple[str, ...] = (VIEW_TRANSCRIPT, EXPORT, FORGET)

access = Table(
    "privacy_access",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("counsellor_id", Integer),  # no foreign key: the register outlives accounts
    Column("actor", String(120), nullable=False),
    Column("action", String(30), nullable=False),
    Column("target", String(255), nullable=False),
)
"""`actor`: the console account's e-mail, or `cli` for a command run on the server;
`target`: the escalation id (transcript) or what an export or erasure was asked about,
with a phone number never written (its pseudonymous conversation id instead)."""

incident = Table(
    "privacy_incident",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", Float, nullable=False),
    Column("recorded_by", String(120), nullable=False),
    Column("occurred", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("persons", String(120)),
    Column("measures", Text),
    Column("notified", Boolean, nullable=False, default=False),
)
"""One confidentiality incident as the register needs it: when it happened (free text, a
date or a period), what happened and which information, how many persons, the measures
taken, and whether the Commission and the persons were notified."""


def record_access(
    conn: Connection,
    *,
    actor: str,
    action: str,
    target: str,
    counsellor_id: int | None = None,
    at: float | None = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    conn.execute(
        insert(access).values(
            at=time.time() if at is None else at,
            counsellor_id=counsellor_id,
            actor=actor[:120],
            action=action,
            target=target[:255],
        )
    )


def accesses(conn: Connection, *, since: float = 0.0, limit: int = 500) -> list[dict[str, Any]]:
    query = select(access).where(access.c.at >= since).order_by(access.c.at.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def record_incident(
    conn: Connection,
    *,
    recorded_by: str,
    occurred: str,
    description: str,
    persons: str | None = None,
    measures: str | None = None,
    notified: bool = False,
) -> int:
    result = conn.execute(
        insert(incident).values(
            recorded_at=time.time(),
            recorded_by=recorded_by[:120],
            occurred=occurred[:120],
            description=description,
            persons=(persons or None) and persons[:120],
            measures=measures or None,
            notified=notified,
        )
    )
    return int(result.inserted_primary_key[0])


def incidents(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(select(incident).order_by(incident.c.id))]


def purge_accesses(conn: Connection, before: float) -> int:
    """Drop access rows older than `before` (the register itself is kept)."""
    return int(conn.execute(delete(access).where(access.c.at < before)).rowcount or 0)
