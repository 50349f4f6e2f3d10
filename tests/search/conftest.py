"""Fixtures of the search tests: small hand-made indexes for precise ranking tests (the demo
directory's `demo_db` and `demo_index` are shared, in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

import pytest

from bot.search.index import Point, SearchIndex, ServiceInfo, assemble


@pytest.fixture(scope="session")
def use_encoder():
    """USE through sentence-transformers: always available (weights ship in a package)."""
    from bot.search.embeddings import get_encoder

    return get_encoder("use")


def service(
    sid: str,
    needs: Iterable[str],
    *,
    name: str | None = None,
    description: str = "",
    area: int = 0,
    schedules: tuple[dict, ...] = (),
    fictional: bool = True,
    languages: tuple[str, ...] = ("fr",),
) -> ServiceInfo:
    label = name or sid
    return ServiceInfo(
        id=sid,
        name={"fr": label, "en": f"{label} (en)"},
        organization={"fr": f"Org {label}", "en": f"Org {label} (en)"},
        description={"fr": description, "en": description},
        url=None,
        phone="514-555-0100",
        languages=languages,
        needs=frozenset(needs),
        fictional=fictional,
        schedules=schedules,
        area_group=area,
    )


def make_index(
    services: list[ServiceInfo],
    points: list[tuple[int, float, float]],
    area_groups: list[frozenset[str]] | None = None,
) -> SearchIndex:
    """An index over hand-placed services: `points` are (service index, lat, lon)."""
    return assemble(
        services,
        [Point(s, lat, lon, f"{s} rue Test") for s, lat, lon in points],
        area_groups or [frozenset()],
    )


@pytest.fixture
def build() -> SimpleNamespace:
    """`build.service(...)` and `build.index(...)`: hand-made directories for ranking tests."""
    return SimpleNamespace(service=service, index=make_index)
