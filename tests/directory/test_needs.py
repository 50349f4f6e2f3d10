"""The needs taxonomy: ids, texts, Open Eligibility mapping and HSDS rows."""

from __future__ import annotations

import csv

import pytest

from bot.directory import needs as N
from bot.texts import LANGUAGES


def test_need_ids_are_the_contract_order():
    assert N.NEED_IDS == (
        "food",
        "housing",
        "shelter",
        "mental_health",
        "addiction",
        "gambling",
        "violence",
        "seniors",
        "family",
        "youth",
        "employment",
        "education",
        "immigration",
        "legal",
        "income",
        "material",
        "health",
        "disability",
        "transportation",
        "government",
    )


@pytest.mark.parametrize("need", N.NEED_IDS)
def test_every_need_has_short_distinct_texts_in_both_languages(need):
    for lang in LANGUAGES:
        label, description = N.need_label(need, lang), N.need_description(need, lang)
        assert label and len(label) <= 30, (need, lang, label)
        assert description and len(description) <= 100, (need, lang, description)
    assert N.need_description(need, "fr") != N.need_description(need, "en")


def test_labels_are_unique_per_language():
    for lang in LANGUAGES:
        labels = [N.need_label(need, lang) for need in N.NEED_IDS]
        assert len(set(labels)) == len(labels)


def test_unknown_need_is_an_error():
    with pytest.raises(KeyError):
        N.need_label("pizza", "fr")
    with pytest.raises(KeyError):
        N.open_eligibility_terms("pizza")


def test_open_eligibility_ids_exist_in_the_vendored_taxonomy():
    with N.OE_CSV.open(encoding="utf-8", newline="") as handle:
        known = {row["id"] for row in csv.DictReader(handle)}
    for need in N.NEED_IDS:
        terms = N.open_eligibility_terms(need)
        assert terms, need
        assert set(terms) <= known, (need, set(terms) - known)


def test_taxonomy_tables_shape():
    tables = N.taxonomy_tables("fr")
    taxonomies = {row["id"] for row in tables["taxonomy"]}
    terms = {row["id"]: row for row in tables["taxonomy_term"]}
    needs = [r for r in terms.values() if r["taxonomy"] == N.NEEDS_TAXONOMY]
    assert [r["code"] for r in needs] == list(N.NEED_IDS)
    assert needs[0]["name"] == "Alimentation" and needs[0]["language"] == "fr"
    flags = {r["code"] for r in terms.values() if r["taxonomy"] == N.FLAGS_TAXONOMY}
    assert N.FLAG_FICTIONAL in flags
    for row in terms.values():
        assert row["taxonomy_id"] in taxonomies
        assert row["parent_id"] is None or row["parent_id"] in terms, row
    # Every mapped Open Eligibility term is present, with its ancestors linked.
    oe = {r["code"]: r for r in terms.values() if r["taxonomy"] == N.OE_TAXONOMY}
    assert oe["1130"]["name"] == "Food Pantry"
    assert oe["1130"]["parent_id"] == oe["1102"]["id"]
    for need in N.NEED_IDS:
        assert set(N.open_eligibility_terms(need)) <= set(oe)


def test_need_to_open_eligibility_links_are_attributes():
    tables = N.taxonomy_tables("fr")
    food = N.term_id(N.NEEDS_TAXONOMY, "food")
    linked = {a["taxonomy_term_id"] for a in tables["attribute"] if a["link_id"] == food}
    expected = {N.term_id(N.OE_TAXONOMY, code) for code in N.open_eligibility_terms("food")}
    assert linked == expected


def test_english_goes_to_x_translation_when_records_are_french():
    tables = N.taxonomy_tables("fr")
    food = N.term_id(N.NEEDS_TAXONOMY, "food")
    english = {(r["field"], r["value"]) for r in tables["x_translation"] if r["link_id"] == food}
    assert ("name", "Food") in english
    assert all(r["language"] == "en" for r in tables["x_translation"])
    english_records = N.taxonomy_tables("en")
    assert english_records["taxonomy_term"][0]["name"] == "Food"
    assert {r["language"] for r in english_records["x_translation"]} == {"fr"}


def test_ids_are_deterministic_and_unique():
    first, second = N.taxonomy_tables(), N.taxonomy_tables()
    assert first == second
    for rows in first.values():
        ids = [row["id"] for row in rows]
        assert len(ids) == len(set(ids))


def test_tables_validate_against_hsds():
    import bot.directory.validation as validation

    issues = validation.errors(validation.check_tables(N.taxonomy_tables()))
    assert issues == [], [i.message("en") for i in issues]
