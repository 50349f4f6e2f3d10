"""The fast paths of a large import say exactly what the slow ones say, and keep every
guarantee: one transaction, foreign keys enforced, re-imports that change only what changed."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.directory import validation
from bot.directory.demo import build_large_tables
from bot.directory.exporter import write_datapackage
from bot.directory.importer import import_path, read_source
from bot.directory.store import counts, dump_tables, load_tables


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, list[dict]]:
    return build_large_tables(40, seed=7)


def _slow_issues(tables: dict, monkeypatch: pytest.MonkeyPatch, **kw) -> list:
    """`check_tables` with every fast path turned off: the reference answer."""
    with monkeypatch.context() as patch:
        patch.setattr(validation, "_clean_ids", lambda table, rows: None)
        patch.setattr(validation, "_references_clean", lambda *args: False)
        patch.setattr(validation, "_polymorphic_clean", lambda *args: False)
        patch.setattr(validation, "_translations_clean", lambda rows: False)
        return validation.check_tables(tables, **kw)


def _defects() -> dict[str, tuple[str, int, str, object]]:
    """name → (table, row index, column, bad value)."""
    return {
        "float_in_text": ("service", 3, "name", 12.5),
        "bool_number": ("location", 1, "latitude", True),
        "text_number": ("location", 2, "longitude", "west"),
        "bad_enum": ("service", 0, "status", "open"),
        "bad_time": ("schedule", 4, "opens_at", "9h"),
        "bad_date": ("schedule", 5, "valid_from", "2024-13-01"),
        "missing_required": ("organization", 2, "name", None),
        "duplicate_id": ("phone", 1, "id", "DUPLICATE"),
        "empty_id": ("address", 0, "id", ""),
        "dangling": ("service", 6, "organization_id", "org-nowhere"),
        "dangling_optional": ("phone", 3, "location_id", "loc-nowhere"),
        "dangling_polymorphic": ("attribute", 8, "link_id", "svc-nowhere"),
        "unhashable": ("language", 2, "code", ["fr", "en"]),
        "translation_entity": ("x_translation", 1, "link_entity", "nowhere"),
        "translation_field": ("x_translation", 2, "field", "colour"),
        "translation_language": ("x_translation", 3, "language", "français"),
        "translation_twice": ("x_translation", 4, "field", None),  # see below
        "not_unique_code": ("taxonomy_term", 1, "code", None),  # see below
    }


@pytest.mark.parametrize("case", sorted(_defects()))
def test_fast_checks_find_what_the_slow_ones_find(demo_tables, monkeypatch, case):
    tables = copy.deepcopy(demo_tables)
    table, index, column, value = _defects()[case]
    if case == "duplicate_id":
        tables[table][index + 1]["id"] = value
    if case == "translation_twice":  # the same (record, field, language) under another id
        value = tables[table][index + 1]["field"]
        tables[table][index]["link_id"] = tables[table][index + 1]["link_id"]
        tables[table][index]["link_entity"] = tables[table][index + 1]["link_entity"]
    if case == "not_unique_code":
        value = tables[table][index + 1]["code"]
    tables[table][index][column] = value
    fast = validation.check_tables(tables)
    assert fast or case == "empty_id", "the defect must be reported"  # "" ids are let through
    assert fast == _slow_issues(tables, monkeypatch)


def test_fast_checks_with_database_lookups_and_rows_without_every_key(demo_tables, monkeypatch):
    tables = copy.deepcopy(demo_tables)
    organization = tables["organization"].pop(0)
    for row in tables["service"][:5]:
        del row["description"]  # a row lacking a column: another layout
    looked_up: list[tuple[str, set[str]]] = []

    def existing(table: str, ids: set[str]) -> set[str]:
        looked_up.append((table, ids))
        return {organization["id"]} & ids

    fast = validation.check_tables(tables, existing=existing)
    slow = _slow_issues(tables, monkeypatch, existing=existing)
    assert fast == slow and not validation.errors(fast)
    assert ("organization", {organization["id"]}) in looked_up


def test_clean_tables_take_the_fast_paths(demo_tables, tmp_path):
    """Otherwise a large import silently falls back to the slow checks."""
    assert validation.check_tables(demo_tables) == []
    write_datapackage(demo_tables, tmp_path / "pkg")
    for tables in (demo_tables, read_source(tmp_path / "pkg").tables):
        columns = {name: validation._Columns(rows) for name, rows in tables.items()}
        for name, rows in tables.items():
            assert validation._clean_ids(name, columns[name]) == {r["id"] for r in rows}, name
        assert validation._translations_clean(columns["x_translation"])
        ids = {name: {row["id"] for row in rows} for name, rows in tables.items()}
        assert validation._polymorphic_clean(columns["attribute"], "link_id", "link_entity", ids)
        assert validation._references_clean(
            columns["service"], "organization_id", ids["organization"]
        )


def _write(path: Path, text_: str) -> None:
    path.write_text(text_, encoding="utf-8")


def test_csv_reader_maps_columns_by_name_and_locates_rows(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    # Columns out of order, an unknown one, a missing optional one, a blank line, a quoted
    # cell over two lines, a short record and one with a value too many.
    _write(
        folder / "organizations.csv",
        'description,id,colour,name\nAide,o1,red,"Un\nDeux"\n\nAutre,o2\nTrois,o3,blue,Nom,extra\n',
    )
    source = read_source(folder)
    rows = source.tables["organization"]
    assert [row["id"] for row in rows] == ["o1", "o2", "o3"]
    assert rows[0]["name"] == "Un\nDeux" and rows[0]["description"] == "Aide"
    assert rows[1]["name"] is None and rows[0]["email"] is None and "colour" not in rows[0]
    assert source.row_numbers["organization"] == [2, 5, 6]
    codes = {(i.code, i.record, i.row, i.field) for i in source.issues}
    assert ("unknown_column", "", None, "colour") in codes
    assert ("extra_values", "o3", 6, "") in codes


def test_csv_reader_numbers(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    _write(
        folder / "locations.csv",
        "id,location_type,latitude,longitude\nl1,physical,45.5,\nl2,physical,north,-73\n",
    )
    rows = read_source(folder).tables["location"]
    assert (rows[0]["latitude"], rows[0]["longitude"]) == (45.5, None)
    assert (rows[1]["latitude"], rows[1]["longitude"]) == ("north", -73.0)


def test_large_export_imports_as_it_was(engine: Engine, demo_tables, tmp_path):
    write_datapackage(demo_tables, tmp_path / "pkg")
    result = import_path(tmp_path / "pkg", engine)
    assert result.ok, [i.message("en") for i in result.issues]
    assert set(result.timings) == {"read", "validate", "load"}
    stored = dump_tables(engine)
    for name, rows in demo_tables.items():
        assert len(stored[name]) == len(rows), name
    by_id = {row["id"]: row for row in stored["location"]}
    first = demo_tables["location"][0]
    assert by_id[first["id"]]["latitude"] == pytest.approx(first["latitude"])


def test_reimport_updates_only_what_changed(engine: Engine, demo_tables):
    tables = copy.deepcopy(demo_tables)
    load_tables(engine, tables)
    before = dump_tables(engine)
    changed = tables["service"][0]
    changed["description"] = None  # value → NULL
    changed["url"] = "https://exemple.org"  # NULL → value
    tables["x_translation"][0]["value"] = "New wording"
    load_tables(engine, tables)
    after = dump_tables(engine)
    service = next(row for row in after["service"] if row["id"] == changed["id"])
    assert service["description"] is None and service["url"] == "https://exemple.org"
    translation = next(
        r for r in after["x_translation"] if r["id"] == tables["x_translation"][0]["id"]
    )
    assert translation["value"] == "New wording"
    assert len(after["service"]) == len(before["service"])
    assert len(after["x_translation"]) == len(before["x_translation"])


def test_empty_texts_and_a_row_given_twice(engine: Engine):
    """CSV cannot tell "" from NULL: such rows still keep their empty text on PostgreSQL.
    A record given twice in one load ends as its last copy on every database, whether its
    table was empty (PostgreSQL copies straight in) or not (it upserts)."""
    load_tables(engine, {"organization": [{"id": "o1", "name": "Premier", "description": ""}]})
    twice = [
        {"id": "o2", "name": "Deux", "description": "A"},
        {"id": "o2", "name": "Deux bis", "description": "B"},
    ]
    load_tables(
        engine,
        {
            "organization": twice,
            "program": [
                {"id": "p1", "organization_id": "o1", "name": "P", "description": "D"},
                {"id": "p1", "organization_id": "o1", "name": "P bis", "description": "D"},
            ],
        },
    )
    stored = dump_tables(engine)
    organizations = {row["id"]: row for row in stored["organization"]}
    assert organizations["o1"]["description"] == "" and organizations["o1"]["email"] is None
    assert organizations["o2"]["name"] == "Deux bis" and len(organizations) == 2
    assert [row["name"] for row in stored["program"]] == ["P bis"]


@pytest.mark.parametrize("bad", ["foreign_key", "not_null"])
def test_database_errors_roll_back_and_foreign_keys_stay_on(engine: Engine, bad):
    good = {"organization": [{"id": "o1", "name": "A", "description": "B"}]}
    load_tables(engine, good)
    service = {"id": "s1", "organization_id": "o1", "name": "S", "status": "active"}
    if bad == "foreign_key":
        service["organization_id"] = "missing"
    else:
        service["name"] = None
    tables = {"organization": [{"id": "o2", "name": "C", "description": "D"}], "service": [service]}
    with pytest.raises(IntegrityError):  # a SQLAlchemy error: the CLI reports it in words
        load_tables(engine, tables)
    with engine.connect() as conn:
        assert counts(conn)["organization"] == 1 and counts(conn)["service"] == 0
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.postgres
def test_postgresql_reimport_rewrites_no_row(demo_tables):
    """Unchanged rows are not updated (no dead row versions, no write load)."""
    from pg import postgres_schema_url

    from bot.directory.store import create_engine_from_url

    with postgres_schema_url("relais_bulk") as url:
        engine = create_engine_from_url(url)
        try:
            load_tables(engine, demo_tables)
            versions = "SELECT id, xmin::text FROM x_translation ORDER BY id"
            with engine.connect() as conn:
                before = conn.execute(text(versions)).all()
            load_tables(engine, demo_tables)
            with engine.connect() as conn:
                assert conn.execute(text(versions)).all() == before
        finally:
            engine.dispose()
