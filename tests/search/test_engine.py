"""Ranking, service areas, widening, hours and texts on small hand-made directories."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.places.gazetteer import get_gazetteer
from bot.search.engine import PlaceNotFound, search

TZ = ZoneInfo("America/Montreal")
KM = 1 / 111.2  # degrees of latitude per km
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=TZ)  # a Wednesday, no holiday
DAILY_9_17 = (
    {
        "id": "s",
        "freq": "WEEKLY",
        "byday": "MO,TU,WE,TH,FR,SA,SU",
        "opens_at": "09:00",
        "closes_at": "17:00",
    },
)


def where(name: str) -> tuple[float, float]:
    place = get_gazetteer().resolve(name)
    assert place is not None and place.lat is not None
    return place.lat, place.lon


def test_nearest_first_for_equal_relevance(build):
    lat, lon = where("Repentigny")
    index = build.index(
        [
            build.service("far", ["food"]),
            build.service("near", ["food"]),
            build.service("mid", ["food"]),
        ],
        [(0, lat + 4 * KM, lon), (1, lat + 0.5 * KM, lon), (2, lat + 2 * KM, lon)],
    )
    result = search("food", place="Repentigny", index=index, now=NOON)
    assert [hit.service_id for hit in result.hits] == ["near", "mid", "far"]
    distances = [hit.distance_km for hit in result.hits]
    assert distances == sorted(distances)
    assert distances[0] == pytest.approx(0.5, abs=0.05)
    assert result.widened is None and result.fallback is None


def test_need_match_beats_a_closer_related_service(build):
    lat, lon = where("Repentigny")
    index = build.index(
        [
            build.service("clothes", ["material"]),
            build.service("food bank", ["food"]),
            build.service("dentist", ["health"]),
        ],
        [(0, lat, lon), (1, lat + 3 * KM, lon), (2, lat, lon)],
    )
    result = search("food", place="Repentigny", index=index, now=NOON)
    ids = [hit.service_id for hit in result.hits]
    assert ids[0] == "food bank"
    assert "clothes" in ids  # related need: partial credit
    assert "dentist" not in ids  # unrelated need: not offered
    related = result.hits[ids.index("clothes")]
    assert any("service voisin" in reason for reason in related.reasons)


def test_service_areas_are_respected(build):
    laval, longueuil = where("Laval"), where("Longueuil")
    middle = ((laval[0] + longueuil[0]) / 2, (laval[1] + longueuil[1]) / 2)
    index = build.index(
        [build.service("laval only", ["food"], area=1), build.service("anyone", ["food"])],
        [(0, *middle), (1, *middle)],
        [frozenset(), frozenset({"mrc:65"})],
    )
    from_laval = search("food", place="Laval", index=index, now=NOON)
    from_longueuil = search("food", place="Longueuil", index=index, now=NOON)
    assert {hit.service_id for hit in from_laval.hits} == {"laval only", "anyone"}
    assert [hit.service_id for hit in from_longueuil.hits] == ["anyone"]


def test_widening_then_region_then_fallback(build):
    lat, lon = where("Repentigny")
    index = build.index([build.service("ten km", ["legal"])], [(0, lat + 10 * KM, lon)])
    result = search("legal", place="Repentigny", index=index, now=NOON)
    assert [hit.service_id for hit in result.hits] == ["ten km"]
    assert result.widened is not None
    assert result.widened.stage == "radius" and result.widened.radius_km == 15
    assert "15 km" in result.widened.text("fr")
    assert result.as_dict()["widened"]["stage"] == "radius"

    # 80 km away but its area names Repentigny's MRC: offered as region-wide.
    regional = build.index(
        [build.service("regional", ["legal"], area=1)],
        [(0, lat + 80 * KM, lon)],
        [frozenset(), frozenset({"mrc:60"})],
    )
    result = search("legal", place="Repentigny", index=regional, now=NOON)
    assert [hit.service_id for hit in result.hits] == ["regional"]
    assert result.widened is not None and result.widened.stage == "region"
    assert result.fallback is None

    nothing = build.index([build.service("far away", ["legal"])], [(0, lat + 80 * KM, lon)])
    result = search("legal", place="Repentigny", index=nothing, now=NOON, language="en")
    assert result.hits == []
    assert result.widened is not None and result.widened.stage == "fallback"
    assert result.fallback is not None and result.fallback.phone == "211"
    assert "211" in result.as_dict()["fallback"]["hours"]


def test_outside_territory_gets_its_own_211(build):
    lat, lon = where("Repentigny")
    index = build.index([build.service("food", ["food"])], [(0, lat, lon)])
    result = search("food", place="Québec", index=index, now=NOON)
    assert result.fallback is not None and not result.fallback.served
    assert result.fallback.key != "grand_montreal" and "211" in result.fallback.text("en")


def test_open_now_across_dst_change(build):
    lat, lon = where("Repentigny")
    index = build.index([build.service("daily", ["food"], schedules=DAILY_9_17)], [(0, lat, lon)])
    # 2026-03-08: clocks go forward at 2:00. 10:00 EDT is open, 8:30 EDT opens at 9:00.
    spring = search(
        "food", place="Repentigny", index=index, now=datetime(2026, 3, 8, 10, 0, tzinfo=TZ)
    ).hits[0]
    assert spring.open_now is True
    early = search(
        "food", place="Repentigny", index=index, now=datetime(2026, 3, 8, 8, 30, tzinfo=TZ)
    ).hits[0]
    assert early.open_now is False
    assert early.next_opening == datetime(2026, 3, 8, 9, 0, tzinfo=TZ)
    assert "ouvre aujourd'hui à 9 h" in early.reasons
    # 2026-11-01: clocks go back at 2:00. 16:30 EST is open, 17:30 EST is closed till tomorrow.
    fall = search(
        "food",
        place="Repentigny",
        index=index,
        language="en",
        now=datetime(2026, 11, 1, 16, 30, tzinfo=TZ),
    ).hits[0]
    assert fall.open_now is True and "open now" in fall.reasons
    late = search(
        "food",
        place="Repentigny",
        index=index,
        language="en",
        now=datetime(2026, 11, 1, 17, 30, tzinfo=TZ),
    ).hits[0]
    assert late.open_now is False
    assert late.next_opening == datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
    assert "opens tomorrow at 9 a.m." in late.reasons


def test_open_now_promotes_open_services_only_when_asked(build):
    lat, lon = where("Repentigny")
    night = (
        {
            "id": "n",
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR,SA,SU",
            "opens_at": "20:00",
            "closes_at": "23:00",
        },
    )
    index = build.index(
        [
            build.service("closed near", ["food"], schedules=night),
            build.service("open farther", ["food"], schedules=DAILY_9_17),
        ],
        [(0, lat, lon), (1, lat + 2 * KM, lon)],
    )
    plain = search("food", place="Repentigny", index=index, now=NOON)
    assert plain.hits[0].service_id == "closed near"
    asked = search("food", place="Repentigny", index=index, now=NOON, open_now=True)
    assert asked.hits[0].service_id == "open farther"


def test_texts_flags_and_reasons_follow_the_language(build):
    lat, lon = where("Repentigny")
    index = build.index(
        [build.service("Banque", ["food"], fictional=True, languages=("fr", "en"))],
        [(0, lat + 3.2 * KM, lon)],
    )
    fr = search("food", place="Repentigny", index=index, now=NOON).hits[0]
    en = search("food", place="Repentigny", index=index, now=NOON, language="en").hits[0]
    assert fr.name == "Banque" and en.name == "Banque (en)"
    assert fr.organization == "Org Banque" and en.organization == "Org Banque (en)"
    assert fr.fictional and en.fictional
    assert fr.reasons[0] == "3,2 km" and en.reasons[0] == "3.2 km"
    assert "services in English" in en.reasons
    assert fr.reason_text.startswith("3,2 km · ")


def test_coordinates_instead_of_a_place(build):
    lat, lon = where("Repentigny")
    index = build.index([build.service("food", ["food"])], [(0, lat, lon + 1 * KM)])
    result = search("food", lat=lat, lon=lon, index=index, now=NOON)
    assert result.hits[0].distance_km == pytest.approx(0.7, abs=0.1)
    assert result.place["code_geo"] == "60013"


def test_bad_input(build):
    index = build.index([build.service("food", ["food"])], [(0, 45.5, -73.6)])
    with pytest.raises(KeyError):
        search("pizza", place="Laval", index=index)
    with pytest.raises(PlaceNotFound):
        search("food", place="Zzyzx Nowhere", index=index)
    with pytest.raises(ValueError):
        search("food", index=index)


def test_semantic_similarity_reorders_equal_services(use_encoder, build):
    from bot.search.vectors import attach_vectors

    lat, lon = where("Repentigny")
    index = build.index(
        [
            build.service(
                "Paniers de Noël", ["food"], description="Paniers de Noël pour les familles."
            ),
            build.service(
                "Cuisine collective",
                ["food"],
                description="On cuisine ensemble des repas à rapporter à la maison.",
            ),
        ],
        [(0, lat + 1 * KM, lon), (1, lat + 1 * KM, lon)],
    )
    attach_vectors(index, None, encoder=use_encoder)
    result = search(
        "food",
        place="Repentigny",
        index=index,
        now=NOON,
        text="je voudrais cuisiner avec d'autres personnes",
    )
    assert result.hits[0].service_id == "Cuisine collective"
    result = search(
        "food", place="Repentigny", index=index, now=NOON, text="christmas basket for my family"
    )
    assert result.hits[0].service_id == "Paniers de Noël"
