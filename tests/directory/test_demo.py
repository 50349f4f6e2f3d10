"""The demo directory: determinism, coverage, fictional flags and 555 numbers, real places."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.directory import demo
from bot.directory import needs as N
from bot.directory.schedules import flag_holiday_openings, is_open
from bot.places.territory import SERVED_CODES, served_municipalities

PHONE_555 = re.compile(r"^(514|438|450|579)-555-01\d\d$")
EXTENT = re.compile(r"^(mamh:\d{5}|mrc:\d{2,3}|region:cmm)$")


@pytest.fixture(scope="module")
def tables() -> demo.Tables:
    return demo.build_demo_tables(seed=211)


def _need_of_services(tables: demo.Tables) -> dict[str, set[str]]:
    terms = {N.term_id(N.NEEDS_TAXONOMY, need): need for need in N.NEED_IDS}
    result: dict[str, set[str]] = defaultdict(set)
    for row in tables["attribute"]:
        if row["link_entity"] == "service" and row["taxonomy_term_id"] in terms:
            result[row["link_id"]].add(terms[row["taxonomy_term_id"]])
    return result


def test_same_seed_same_tables(tables):
    assert demo.build_demo_tables(seed=211) == tables
    assert demo.build_large_tables(50, seed=1) == demo.build_large_tables(50, seed=1)
    assert demo.build_large_tables(50, seed=1) != demo.build_large_tables(50, seed=2)


def test_ids_are_unique(tables):
    for name, rows in tables.items():
        ids = [row["id"] for row in rows]
        assert len(ids) == len(set(ids)), name


def test_counts_and_every_need(tables):
    assert len(tables["service"]) >= 1500
    needs = _need_of_services(tables)
    assert set().union(*needs.values()) == set(N.NEED_IDS)
    assert all(needs.get(row["id"]) for row in tables["service"])  # no service without a need


def test_every_served_municipality_has_every_need_within_15_km(tables):
    locations = {row["id"]: row for row in tables["location"]}
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    needs = _need_of_services(tables)
    for link in tables["service_at_location"]:
        place = locations[link["location_id"]]
        for need in needs[link["service_id"]]:
            points[need].append((place["latitude"], place["longitude"]))
    municipalities = served_municipalities()
    assert len(municipalities) == 83
    missing = [
        (m.name, need)
        for m in municipalities
        for need in N.NEED_IDS
        if min(demo.haversine_km(m.lat, m.lon, lat, lon) for lat, lon in points[need]) > 15
    ]
    assert missing == []


def test_fictional_records_are_flagged_and_use_555_numbers(tables):
    fictional_services = demo.flagged_ids(tables, "service")
    fictional_orgs = demo.flagged_ids(tables, "organization")
    assert len(fictional_services) >= 1000
    real_orgs = demo.flagged_ids(tables, "organization", N.FLAG_OPEN_DATA)
    real_services = demo.flagged_ids(tables, "service", N.FLAG_OPEN_DATA)
    for row in tables["organization"]:
        assert (row["id"] in fictional_orgs) != (row["id"] in real_orgs), row["name"]
    for row in tables["service"]:
        assert (row["id"] in fictional_services) != (row["id"] in real_services), row["name"]
        if row["id"] in fictional_services:
            assert row["organization_id"] in fictional_orgs
    assert tables["phone"]
    for phone in tables["phone"]:
        assert PHONE_555.match(phone["number"]), phone["number"]
        assert phone["service_id"] in fictional_services  # real places get no invented phone


def test_island_numbers_use_montreal_area_codes(tables):
    addresses = {row["location_id"]: row for row in tables["address"]}
    location_of = {row["service_id"]: row["location_id"] for row in tables["service_at_location"]}
    for phone in tables["phone"]:
        city = addresses[location_of[phone["service_id"]]]["city"]
        island = city in {"Montréal", "Westmount", "Dorval", "Pointe-Claire", "Mont-Royal"}
        if island:
            assert phone["number"][:3] in ("514", "438")
        if city in {"Laval", "Repentigny", "L'Épiphanie", "Longueuil"}:
            assert phone["number"][:3] in ("450", "579")


def test_real_places_keep_their_real_names_and_are_attributed(tables):
    with demo.REAL_CSV.open(encoding="utf-8", newline="") as handle:
        real_names = {row["Nom français"].strip() for row in csv.DictReader(handle)}
    real_services = demo.flagged_ids(tables, "service", N.FLAG_OPEN_DATA)
    services = {row["id"]: row for row in tables["service"]}
    assert len(real_services) >= 200
    names = {services[sid]["name"] for sid in real_services}
    assert names <= real_names
    assert "CLSC de Verdun" in names and "Bibliothèque d'Ahuntsic" in names
    assert not any(name.startswith("Consulat") for name in names)
    needs = _need_of_services(tables)
    clsc = next(sid for sid in real_services if services[sid]["name"] == "CLSC de Verdun")
    assert {"health", "mental_health"} <= needs[clsc]
    assert "2020" in services[clsc]["alert"]
    attribution = [a["value"] for a in tables["attribute"] if a["link_id"] == clsc and a["value"]]
    assert any("CC BY 4.0" in value and "Ville de Montréal" in value for value in attribution)


def test_no_fictional_organization_borrows_a_real_name(tables):
    with demo.REAL_CSV.open(encoding="utf-8", newline="") as handle:
        real_names = {row["Nom français"].strip().casefold() for row in csv.DictReader(handle)}
    fictional = demo.flagged_ids(tables, "organization")
    names = [row["name"] for row in tables["organization"] if row["id"] in fictional]
    assert len(names) == len(set(names))
    assert not {name.casefold() for name in names} & real_names
    assert "Le Garde-Manger des Cèdres" in names  # French elision: des, du, d'
    assert not any(" de Le " in name or " de Les " in name for name in names)


def test_fictional_records_have_english_translations(tables):
    english = {(r["link_id"], r["field"]) for r in tables["x_translation"] if r["language"] == "en"}
    for sid in list(demo.flagged_ids(tables, "service"))[:200]:
        for field in ("name", "description", "eligibility_description", "application_process"):
            assert (sid, field) in english


def test_service_areas_are_machine_readable(tables):
    mrcs = {m.mrc_code for m in served_municipalities()}
    served = {row["service_id"] for row in tables["service_area"]}
    assert served == {row["id"] for row in tables["service"]}
    for area in tables["service_area"]:
        assert area["extent_type"] == "text"
        assert EXTENT.match(area["extent"]), area["extent"]
        scope, code = area["extent"].split(":")
        if scope == "mamh":
            assert code in SERVED_CODES
        elif scope == "mrc":
            assert code in mrcs
        assert area["name"]


def test_fictional_addresses_are_plausible(tables):
    fictional_locations = {
        link["location_id"]
        for link in tables["service_at_location"]
        if link["service_id"] in demo.flagged_ids(tables, "service")
    }
    for address in tables["address"]:
        if address["location_id"] not in fictional_locations:
            continue
        assert re.match(r"^[A-Z]\d[A-Z] \d[A-Z]\d$", address["postal_code"]), address
        if address["city"] in ("Montréal", "Laval"):
            assert address["postal_code"].startswith("H")
        elif address["city"] in ("Repentigny", "Longueuil", "Terrebonne"):
            assert address["postal_code"].startswith("J")


def test_shelters_and_crisis_lines_stay_open_on_christmas_night(tables):
    needs = _need_of_services(tables)
    by_service: dict[str, list[dict]] = defaultdict(list)
    for row in flag_holiday_openings(tables["schedule"], tables["attribute"]):
        by_service[row["service_id"]].append(row)
    christmas_night = datetime(2026, 12, 25, 23, 0, tzinfo=ZoneInfo("America/Montreal"))
    shelters = [sid for sid, n in needs.items() if "shelter" in n and sid in by_service]
    assert shelters and all(is_open(by_service[sid], christmas_night) for sid in shelters)
    office = [sid for sid, n in needs.items() if "employment" in n and sid in by_service]
    assert not any(is_open(by_service[sid], christmas_night) for sid in office)


def test_tables_validate_against_hsds(tables):
    import bot.directory.validation as validation

    problems = validation.errors(validation.check_tables(tables))
    assert problems == [], [p.message("en") for p in problems[:10]]


def test_large_generator_produces_exactly_n_flagged_services():
    tables = demo.build_large_tables(700, seed=5)
    assert len(tables["service"]) == 700
    assert len(demo.flagged_ids(tables, "service")) == 700
    assert all(PHONE_555.match(p["number"]) for p in tables["phone"])
    import bot.directory.validation as validation

    assert validation.errors(validation.check_tables(tables)) == []


def test_loading_twice_is_idempotent(tmp_path):
    import bot.directory.store as store

    engine = store.create_engine_from_url(f"sqlite:///{tmp_path / 'demo.db'}")
    tables = demo.build_large_tables(120, seed=3)
    store.load_tables(engine, tables)
    first = store.dump_tables(engine)
    store.load_tables(engine, tables)
    second = store.dump_tables(engine)
    assert {k: len(v) for k, v in first.items()} == {k: len(v) for k, v in second.items()}
    assert len(second["service"]) == 120
