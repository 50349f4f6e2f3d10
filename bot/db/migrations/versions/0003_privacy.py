"""Privacy by design (Law 25): the access and incident register, and callback numbers
encrypted.

- `privacy_access`: who opened which transcript, exported or erased what, and when;
- `privacy_incident`: the register of confidentiality incidents;
- `handoff_callback.phone` holds the number encrypted (Fernet: longer than the 20 characters
  of a number in clear, hence Text), and `phone_key` the keyed hash that finds a person's
  callbacks when they ask for their data or its erasure (`bot.privacy`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _recreate() -> Literal["auto", "always", "never"]:
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    with op.batch_alter_table("handoff_callback", recreate=_recreate()) as batch:
        batch.alter_column(
            "phone", existing_type=sa.String(length=20), type_=sa.Text(), existing_nullable=False
        )
        batch.add_column(sa.Column("phone_key", sa.String(length=80), nullable=True))
        batch.create_index("ix_handoff_callback_phone_key", ["phone_key"], unique=False)
    op.create_table(
        "privacy_access",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_privacy_access_at"), "privacy_access", ["at"], unique=False)
    op.create_table(
        "privacy_incident",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("occurred", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("persons", sa.String(length=120), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("privacy_incident")
    op.drop_index(op.f("ix_privacy_access_at"), table_name="privacy_access")
    op.drop_table("privacy_access")
    with op.batch_alter_table("handoff_callback", recreate=_recreate()) as batch:
        batch.drop_index("ix_handoff_callback_phone_key")
        batch.drop_column("phone_key")
        batch.alter_column(
            "phone", existing_type=sa.Text(), type_=sa.String(length=20), existing_nullable=False
        )
