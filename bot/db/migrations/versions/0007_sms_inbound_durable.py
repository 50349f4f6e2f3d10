"""SMS messages survive the death of the process that accepted them.

`sms_inbound` kept only the MessageSids seen (dedupe). A webhook is answered as soon as its
message is queued, so a Rasa server killed with messages in its queue lost them, and the
provider's redelivery would have been dropped as a duplicate. Now the accepted message itself
is kept (number and text encrypted, like `sms_contact`), with who took it and when, until it
has been handled; another server takes over what a dead one left (`bot.channels.sms_gateway`).

- `payload`: the encrypted number and text, cleared once handled;
- `owner`, `taken_at`: the gateway that took the message and when;
- `handled_at`: when its handling ended (rows from before: their reception).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _recreate() -> Literal["auto", "always", "never"]:
    """SQLite: the table rebuilt, so its schema reads as the models describe it."""
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    with op.batch_alter_table("sms_inbound", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sms_inbound SET taken_at = received_at, handled_at = received_at")
    op.create_index("ix_sms_inbound_handled_at", "sms_inbound", ["handled_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sms_inbound_handled_at", table_name="sms_inbound")
    with op.batch_alter_table("sms_inbound", recreate=_recreate()) as batch:
        batch.drop_column("handled_at")
        batch.drop_column("taken_at")
        batch.drop_column("owner")
        batch.drop_column("payload")
