"""Every table the project owns, gathered into one `MetaData` for Alembic.

Each area keeps its tables beside the code that writes them (`bot/directory/schema.py`,
`bot/search/vectors.py`, `bot/handoff/store.py`, `bot/channels/sms_store.py`); this module
copies them into a single `MetaData`, so Alembic's `target_metadata` sees the whole schema
while no area has to import another. Rasa's own tables (the tracker store) are not here: they
are Rasa's, in their own database.

Only `env.py` (autogenerate) and the tests import this module: migrations themselves never
read the live models, so an old migration keeps meaning what it meant when it was written.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from bot.channels import sms_store
from bot.directory import generation as directory_generation
from bot.directory import schema as directory_schema
from bot.handoff import store as handoff_store
from bot.privacy import register as privacy_register
from bot.search import vectors
from bot.stats import store as stats_store

AREAS: dict[str, MetaData] = {
    "directory": directory_schema.metadata,
    "directory_generation": directory_generation.metadata,
    "search": vectors.metadata,
    "handoff": handoff_store.metadata,
    "sms": sms_store.metadata,
    "privacy": privacy_register.metadata,
    "stats": stats_store.metadata,
}
"""Each area's own `MetaData`, by area name."""


def _gather() -> MetaData:
    combined = MetaData()
    for area, area_metadata in AREAS.items():
        for table in area_metadata.tables.values():
            if table.name in combined.tables:
                raise ValueError(f"table {table.name!r} of area {area!r} is defined twice")
            table.to_metadata(combined)
    return combined


metadata: MetaData = _gather()
"""The project's whole schema (Alembic's `target_metadata`)."""
