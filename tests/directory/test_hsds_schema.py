"""schema.py against the official HSDS 3.0 tabular descriptor; flatten ⇄ nest."""

from __future__ import annotations

import json

from bot.directory import hsds
from bot.directory.schema import HSDS_TABLES, TABLES, TRANSLATABLE, columns
from bot.directory.validation import DESCRIPTOR_PATH, schema_issues
from tests.directory.directory_support import EXAMPLES, bilingual_service


def test_every_hsds_table_matches_the_official_descriptor() -> None:
    package = json.loads(DESCRIPTOR_PATH.read_text(encoding="utf-8"))
    official = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in package["resources"]}
    assert set(official) == set(HSDS_TABLES)
    for table, names in official.items():
        assert list(columns(table)) == names, table


def test_translatable_fields_are_text_columns() -> None:
    for table, fields in TRANSLATABLE.items():
        assert set(fields) <= set(columns(table)), table
    assert columns("x_translation") == (
        "id",
        "link_entity",
        "link_id",
        "field",
        "language",
        "value",
    )


def test_required_references_are_foreign_keys_and_indexed() -> None:
    service_fk = {fk.target_fullname for fk in TABLES["service"].c.organization_id.foreign_keys}
    assert service_fk == {"organization.id"}
    assert TABLES["phone"].c.location_id.index
    indexed = {tuple(c.name for c in ix.columns) for ix in TABLES["attribute"].indexes}
    assert ("link_id", "link_entity") in indexed and ("taxonomy_term_id",) in indexed


def test_flatten_merges_a_record_seen_several_times() -> None:
    service = json.loads((EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    flat = hsds.flatten([service], "service")
    assert not flat.conflicts
    (phone,) = flat.tables["phone"]
    # The one phone sits under the service, its location, its contact, the organization…
    assert phone["service_id"] == service["id"]
    assert phone["contact_id"] and phone["location_id"] and phone["organization_id"]
    assert flat.tables["attribute"][0]["link_id"] == service["id"]


def test_flatten_reports_copies_that_disagree() -> None:
    service = bilingual_service()
    service["contacts"] = [{"id": "c1", "name": "A"}]
    service["service_at_locations"][0]["contacts"] = [{"id": "c1", "name": "B"}]
    flat = hsds.flatten([service], "service")
    assert [(c.table, c.record_id, c.field) for c in flat.conflicts] == [("contact", "c1", "name")]


def test_nest_overlays_the_asked_language_and_falls_back() -> None:
    flat = hsds.flatten([bilingual_service()], "service").tables
    english = hsds.nest(flat, "service", "svc-banque-1", language="en")
    assert english["name"] == "Neighbourhood food bank"
    assert english["organization"]["name"] == "Entraide du quartier"  # no translation: record
    assert english["organization"]["description"] == "Community organization."
    assert english["schedules"][0]["description"] == "Mornings"
    french = hsds.nest(flat, "service", "svc-banque-1", language="fr")
    assert french["name"] == "Banque alimentaire du quartier"
    assert hsds.nest(flat, "service", "nope") is None


def test_nested_output_is_valid_hsds_and_round_trips_through_flatten() -> None:
    flat = hsds.flatten([bilingual_service()], "service").tables
    nested = hsds.nest(flat, "service", "svc-banque-1", with_translations=True)
    assert schema_issues(nested, "service") == []
    again = hsds.flatten([nested], "service").tables
    assert {k: sorted(map(repr, v)) for k, v in again.items()} == {
        k: sorted(map(repr, v)) for k, v in flat.items()
    }
