"""Importing HSDS files: official examples, every kind of bad input, idempotence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.directory.importer import import_path, read_source, validate
from bot.directory.store import counts, dump_tables, load_tables
from tests.directory.directory_support import EXAMPLES, bilingual_service

JSON_EXAMPLES = [
    "service_full.json",
    "organization_full.json",
    "service_at_location_full.json",
    "location.json",
    "organization_list.json",
    "service_list.json",
    "service_at_location_list.json",
    "taxonomy.json",
    "taxonomy_list.json",
    "taxonomy_term.json",
    "taxonomy_term_list.json",
    "tabular.json",
]


def _total(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(counts(conn).values())


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_official_json_examples_import(engine: Engine, name: str) -> None:
    result = import_path(EXAMPLES / name, engine)
    assert result.ok, [issue.message("en") for issue in result.issues]
    assert _total(engine) == sum(result.counts.values()) > 0


def test_official_csv_example_imports(engine: Engine) -> None:
    result = import_path(EXAMPLES / "csv", engine)
    assert result.ok, [issue.message("en") for issue in result.issues]
    assert result.counts["service"] == 1 and len(result.counts) == 21
    # The example's own dangling optional references are reported, not fatal.
    assert {i.code for i in result.issues} == {"dangling_optional"}


def test_reimport_is_idempotent(engine: Engine, service_file: Path) -> None:
    first = import_path(service_file, engine)
    before = dump_tables(engine)
    second = import_path(service_file, engine)
    assert first.ok and second.ok
    assert dump_tables(engine) == before
    assert len(before["x_translation"]) == 4


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, tuple[str, str, str, str]]]:
    """name → (file, expected (code, file, record, field))."""
    cases: dict[str, tuple[Path, tuple[str, str, str, str]]] = {}

    def write(name: str, data: object) -> Path:
        path = tmp / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    cases["bad_json"] = (
        write("services.json", '[{"id": "x",}]'),
        ("bad_json", "services.json", "", ""),
    )
    missing = bilingual_service()
    del missing["name"]
    cases["missing_required"] = (
        write("services_missing.json", [missing]),
        ("required", "services_missing.json", "svc-banque-1", "name"),
    )
    enum = bilingual_service()
    enum["status"] = "open"
    cases["bad_enum"] = (
        write("services_enum.json", [enum]),
        ("enum", "services_enum.json", "svc-banque-1", "status"),
    )
    wrong_type = bilingual_service()
    wrong_type["service_at_locations"][0]["location"]["latitude"] = "north"
    cases["schema_type"] = (
        write("services_type.json", [wrong_type]),
        ("type_number", "services_type.json", "loc-1", "latitude"),
    )
    dangling = bilingual_service()
    del dangling["organization"]
    dangling["organization_id"] = "org-nowhere"
    cases["dangling_fk"] = (
        write("services_fk.json", [dangling]),
        ("dangling", "services_fk.json", "svc-banque-1", "organization_id"),
    )
    folder = tmp / "csv_duplicate"
    shutil.copytree(EXAMPLES / "csv", folder)
    (folder / "datapackage.json").unlink()
    services = (folder / "services.csv").read_text(encoding="utf-8").splitlines()
    (folder / "services.csv").write_text(
        "\n".join([*services, services[1]]) + "\n", encoding="utf-8"
    )
    cases["duplicate_id"] = (
        folder,
        ("duplicate_id", "services.csv", "ac148810-d857-441c-9679-408f346de14b", "id"),
    )
    bad_date = tmp / "csv_date"
    shutil.copytree(EXAMPLES / "csv", bad_date)
    (bad_date / "datapackage.json").unlink()  # a Git symlink as text: its target is not here
    text = (bad_date / "schedules.csv").read_text(encoding="utf-8")
    (bad_date / "schedules.csv").write_text(
        text.replace(",2005-01-01,", ",2005-13-45,", 1), encoding="utf-8"
    )
    cases["csv_bad_date"] = (
        bad_date,
        ("type_date", "schedules.csv", "48102e86-bb50-41c4-8f1e-e269368c41d1", "valid_from"),
    )
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "bad_json",
        "missing_required",
        "bad_enum",
        "schema_type",
        "dangling_fk",
        "duplicate_id",
        "csv_bad_date",
    ],
)
def test_bad_input_changes_nothing_and_says_where(
    engine: Engine, tmp_path: Path, service_file: Path, case: str
) -> None:
    assert import_path(service_file, engine).ok  # something already in the database
    before = dump_tables(engine)
    path, (code, file, record, field) = _bad_inputs(tmp_path)[case]
    result = import_path(path, engine)
    assert not result.ok and result.counts == {}
    assert dump_tables(engine) == before
    located = [(i.code, i.file, i.record, i.field) for i in result.issues if i.severity == "error"]
    assert (code, file, record, field) in located, located
    message = next(i for i in result.issues if i.code == code).message("fr")
    assert file in message and (record in message) and field in message


def test_validation_reports_every_problem_not_the_first(tmp_path: Path) -> None:
    service = bilingual_service()
    service["status"] = "open"
    service["phones"][0]["number"] = None
    del service["name"]
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service]), encoding="utf-8")
    codes = sorted(i.code for i in validate(read_source(path)) if i.severity == "error")
    assert codes == ["enum", "required", "type_string"]  # status, name, phone number


def test_csv_line_numbers_are_given(tmp_path: Path) -> None:
    folder = tmp_path / "pkg"
    shutil.copytree(EXAMPLES / "csv", folder)
    (folder / "datapackage.json").unlink()
    text = (folder / "services.csv").read_text(encoding="utf-8")
    (folder / "services.csv").write_text(text.replace(",active,", ",open,"), encoding="utf-8")
    (issue,) = [i for i in validate(read_source(folder)) if i.severity == "error"]
    assert (issue.code, issue.row, issue.field) == ("enum", 2, "status")
    assert "ligne 2" in issue.message("fr") and "line 2" in issue.message("en")


def test_reference_to_a_record_already_in_the_database_is_fine(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_path(EXAMPLES / "organization_list.json", engine).ok
    service = bilingual_service()
    del service["organization"]
    service["organization_id"] = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service]), encoding="utf-8")
    assert import_path(path, engine).ok


def test_a_database_failure_rolls_everything_back(engine: Engine) -> None:
    tables = {
        "organization": [{"id": "o1", "name": "A", "description": "B"}],
        "service": [{"id": "s1", "organization_id": "missing", "name": "S", "status": "active"}],
    }
    with pytest.raises(Exception):  # noqa: B017 - the foreign key, whatever the driver's class
        load_tables(engine, tables)
    assert _total(engine) == 0
