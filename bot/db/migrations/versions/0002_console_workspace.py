"""The counsellor's workspace: server-side console sessions, roles, the login throttle,
canned responses, anonymous contact records, and the context the console shows.

- `handoff_counsellor.role` (counsellor, staff, admin; existing accounts are counsellors);
- `handoff_session`: console sessions kept on the server (logout and a password change end
  them); `handoff_login_throttle`: failed logins per account and per address;
- `handoff_canned`: canned responses kept by staff, per language;
- `handoff_contact_outcome`: one anonymous row per closed contact (for statistics);
- `handoff_escalation.needs`, `.borough`: every need named and the borough, for the context;
- `handoff_message.payload`: a custom payload (a resource card) sent by the counsellor.

On SQLite the changed tables are rebuilt (batch mode) so that their DDL is the models' own.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _recreate() -> Literal["auto", "always", "never"]:
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    with op.batch_alter_table("handoff_counsellor", recreate=_recreate()) as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), server_default="counsellor", nullable=False)
        )
    with op.batch_alter_table("handoff_escalation", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("needs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("borough", sa.String(length=80), nullable=True))
    with op.batch_alter_table("handoff_message", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
    op.create_table(
        "handoff_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["counsellor_id"], ["handoff_counsellor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_handoff_session_counsellor_id"),
        "handoff_session",
        ["counsellor_id"],
        unique=False,
    )
    op.create_table(
        "handoff_login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "handoff_canned",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shortcut", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["handoff_counsellor.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shortcut", "language", name="uq_handoff_canned_shortcut"),
    )
    op.create_table(
        "handoff_contact_outcome",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("crisis", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("referrals", sa.Text(), nullable=False),
        sa.Column("unmet_needs", sa.Text(), nullable=False),
        sa.Column("waited_seconds", sa.Integer(), nullable=True),
        sa.Column("handled_seconds", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_handoff_contact_outcome_day"), "handoff_contact_outcome", ["day"], unique=False
    )


def downgrade() -> None:
    op.drop_table("handoff_contact_outcome")
    op.drop_table("handoff_canned")
    op.drop_table("handoff_login_throttle")
    op.drop_table("handoff_session")
    with op.batch_alter_table("handoff_message", recreate=_recreate()) as batch:
        batch.drop_column("payload")
    with op.batch_alter_table("handoff_escalation", recreate=_recreate()) as batch:
        batch.drop_column("borough")
        batch.drop_column("needs")
    with op.batch_alter_table("handoff_counsellor", recreate=_recreate()) as batch:
        batch.drop_column("role")
