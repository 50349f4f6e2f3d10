"""The project's database schema: one Alembic history for every table Relais owns.

`upgrade(url_or_engine)` brings a database to the newest revision (creating it, adopting one
made before migrations, or applying what is new); `current(...)` says where it stands.
`relais db upgrade` and `relais db current` are the command-line faces (`bot/db/commands.py`).
Rasa's tracker-store tables are Rasa's and stay out of this history.
"""

from __future__ import annotations

from bot.db.migrate import (
    SchemaError,
    State,
    Upgrade,
    alembic_config,
    current,
    describe,
    head_revision,
    upgrade,
    upgrade_and_say,
    upgrade_async,
)

__all__ = [
    "SchemaError",
    "State",
    "Upgrade",
    "alembic_config",
    "current",
    "describe",
    "head_revision",
    "upgrade",
    "upgrade_and_say",
    "upgrade_async",
]
