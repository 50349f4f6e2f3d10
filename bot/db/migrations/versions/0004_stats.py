"""Needs analytics (`bot.stats`): anonymous facts per conversation and their daily rollup.

- `stats_conversation`, `stats_conversation_need`: facts of one conversation (keyed hashes,
  no text), written as it goes, dropped a week after their day;
- `stats_daily`, `stats_daily_kind`: the counts every query reads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_conversation",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("sender_key", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("code_geo", sa.String(length=10), nullable=False),
        sa.Column("borough", sa.String(length=80), nullable=False),
        sa.Column("fsa", sa.String(length=3), nullable=False),
        sa.Column("crisis", sa.String(length=20), nullable=False),
        sa.Column("results_shown", sa.Boolean(), nullable=False),
        sa.Column("widening", sa.String(length=10), nullable=False),
        sa.Column("fallback_211", sa.String(length=40), nullable=False),
        sa.Column("outside_211", sa.String(length=40), nullable=False),
        sa.Column("handoff_requested", sa.Boolean(), nullable=False),
        sa.Column("handoff_answered", sa.Boolean(), nullable=False),
        sa.Column("handoff_wait", sa.Integer(), nullable=True),
        sa.Column("handoff_outcome", sa.String(length=20), nullable=False),
        sa.Column("callback_requested", sa.Boolean(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_stats_conversation_day", "stats_conversation", ["day"])
    op.create_index("ix_stats_conversation_dirty", "stats_conversation", ["dirty"])
    op.create_index("ix_stats_conversation_sender_key", "stats_conversation", ["sender_key"])
    op.create_table(
        "stats_conversation_need",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("need", sa.String(length=40), nullable=False),
        sa.Column("unmet", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", "need"),
    )
    op.create_table(
        "stats_daily",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("need", sa.String(length=40), nullable=False),
        sa.Column("code_geo", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("unmet", sa.Integer(), nullable=False),
        sa.Column("results_shown", sa.Integer(), nullable=False),
        sa.Column("widened", sa.Integer(), nullable=False),
        sa.Column("handoff_requested", sa.Integer(), nullable=False),
        sa.Column("handoff_answered", sa.Integer(), nullable=False),
        sa.Column("callback_requested", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "need", "code_geo", "language", "channel"),
    )
    op.create_index("ix_stats_daily_need_day", "stats_daily", ["need", "day"])
    op.create_table(
        "stats_daily_kind",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("code_geo", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "value", "code_geo", "language", "channel"),
    )
    op.create_index("ix_stats_daily_kind_kind_day", "stats_daily_kind", ["kind", "day"])


def downgrade() -> None:
    op.drop_index("ix_stats_daily_kind_kind_day", table_name="stats_daily_kind")
    op.drop_table("stats_daily_kind")
    op.drop_index("ix_stats_daily_need_day", table_name="stats_daily")
    op.drop_table("stats_daily")
    op.drop_table("stats_conversation_need")
    op.drop_index("ix_stats_conversation_sender_key", table_name="stats_conversation")
    op.drop_index("ix_stats_conversation_dirty", table_name="stats_conversation")
    op.drop_index("ix_stats_conversation_day", table_name="stats_conversation")
    op.drop_table("stats_conversation")
