"""Needs analytics at scale: the monthly rollup and a covering index for series by day.

- `stats_monthly`, `stats_monthly_kind`: the daily counts summed by month, filled here from
  the daily tables and kept equal to them by `bot.stats.store.refresh`;
- `ix_stats_daily_cover` (need, day, place, conversations, unmet) replaces
  `ix_stats_daily_need_day`: a series by day over a year reads the index only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MEASURES = ("conversations", "unmet", "results_shown", "widened", "handoff_requested",
            "handoff_answered", "callback_requested")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "stats_monthly",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("need", sa.String(length=40), nullable=False),
        sa.Column("code_geo", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES),
        sa.PrimaryKeyConstraint("month", "need", "code_geo", "language", "channel"),
    )
    op.create_table(
        "stats_monthly_kind",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("code_geo", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "kind", "value", "code_geo", "language", "channel"),
    )
    sums = ", ".join(f"SUM({name})" for name in MEASURES)
    op.execute(
        f"INSERT INTO stats_monthly (month, need, code_geo, language, channel, "
        f"{', '.join(MEASURES)}) SELECT SUBSTR(day, 1, 7), need, code_geo, language, channel, "
        f"{sums} FROM stats_daily GROUP BY SUBSTR(day, 1, 7), need, code_geo, language, channel"
    )
    op.execute(
        "INSERT INTO stats_monthly_kind (month, kind, value, code_geo, language, channel, "
        "conversations) SELECT SUBSTR(day, 1, 7), kind, value, code_geo, language, channel, "
        "SUM(conversations) FROM stats_daily_kind "
        "GROUP BY SUBSTR(day, 1, 7), kind, value, code_geo, language, channel"
    )
    op.drop_index("ix_stats_daily_need_day", table_name="stats_daily")
    op.create_index(
        "ix_stats_daily_cover",
        "stats_daily",
        ["need", "day", "code_geo", "language", "channel", "conversations", "unmet"],
    )


def downgrade() -> None:
    op.drop_index("ix_stats_daily_cover", table_name="stats_daily")
    op.create_index("ix_stats_daily_need_day", "stats_daily", ["need", "day"])
    op.drop_table("stats_monthly_kind")
    op.drop_table("stats_monthly")
