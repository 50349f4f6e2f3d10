"""The search over the demo directory loaded into SQLite: index, areas, flags, vectors."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.directory.needs import NEED_IDS
from bot.search.engine import search

NOON = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("America/Montreal"))


def test_index_loads_every_active_service(demo_index):
    assert demo_index.size > 1000
    assert len(demo_index.points) >= demo_index.size * 0.9
    assert all(service.needs for service in demo_index.services)


def test_every_need_is_found_near_repentigny(demo_index):
    for need in NEED_IDS:
        result = search(need, place="Repentigny", index=demo_index, now=NOON)
        assert result.hits, need
        assert need in result.hits[0].needs, need
        assert result.fallback is None


def test_hits_are_fictional_with_555_phones_and_french_texts(demo_index):
    result = search("food", place="Repentigny", index=demo_index, now=NOON)
    fictional = [hit for hit in result.hits if hit.fictional]
    assert fictional
    assert all("555-01" in (hit.phone or "") for hit in fictional)
    assert any("," in hit.reasons[0] for hit in result.hits)  # decimal comma
    english = search("food", place="Repentigny", index=demo_index, now=NOON, language="en")
    assert {h.service_id for h in english.hits} == {h.service_id for h in result.hits}
    assert [h.name for h in english.hits] != [h.name for h in result.hits]


def test_service_areas_hold_in_the_demo(demo_index):
    """No hit for a Longueuil resident is reserved to another municipality or MRC."""
    from bot.places.gazetteer import get_gazetteer

    place = get_gazetteer().resolve("Longueuil")
    keys = {f"mamh:{place.code_geo}", "mrc:58", "region:cmm"}
    for need in NEED_IDS:
        for hit in search(need, place=place, index=demo_index, now=NOON, limit=10).hits:
            service = demo_index.services[demo_index.by_id[hit.service_id]]
            group = demo_index.area_groups[service.area_group]
            assert not group or group & keys, (need, hit.name, group)


def test_vectors_refresh_deduplicates_and_is_idempotent(demo_db, use_encoder):
    from bot.directory.store import create_engine_from_url
    from bot.search.engine import load_index
    from bot.search.vectors import attach_vectors, refresh

    engine = create_engine_from_url(demo_db)
    first = refresh(engine, encoder=use_encoder)
    assert first["services"] > 1000
    assert first["texts"] < first["services"]  # shared descriptions are encoded once
    assert first["encoded"] == first["texts"]
    again = refresh(engine, encoder=use_encoder)
    assert again["encoded"] == 0
    index = load_index(demo_db)
    attach_vectors(index, engine, encoder=use_encoder)
    assert index.vectors.shape == (first["texts"], 512)
    result = search(
        "family", place="Laval", index=index, now=NOON, text="je suis enceinte et seule"
    )
    assert result.hits and "family" in result.hits[0].needs
    engine.dispose()
