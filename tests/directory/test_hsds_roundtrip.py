"""import → export → import gives identical tables, translations included."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.directory.exporter import export_tables
from bot.directory.importer import import_path, read_source, validate
from bot.directory.store import create_engine_from_url, dump_tables, init_db
from tests.directory.directory_support import EXAMPLES


def _fresh(tmp_path: Path, name: str) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{tmp_path / name}")
    init_db(engine)
    return engine


def test_csv_round_trip_is_lossless(engine: Engine, tmp_path: Path, service_file: Path) -> None:
    assert import_path(EXAMPLES / "csv", engine).ok
    assert import_path(service_file, engine).ok
    first = dump_tables(engine)
    assert first["x_translation"] and first["service"]
    export_tables(first, tmp_path / "out")
    second_engine = _fresh(tmp_path, "second.db")
    result = import_path(tmp_path / "out", second_engine)
    assert result.ok, [i.message("en") for i in result.issues]
    assert dump_tables(second_engine) == first


def test_export_is_a_valid_datapackage_with_the_extension(
    tmp_path: Path, service_file: Path
) -> None:
    engine = _fresh(tmp_path, "a.db")
    assert import_path(service_file, engine).ok
    export_tables(dump_tables(engine), tmp_path / "out")
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["name"]: r["path"] for r in package["resources"]}
    assert paths["x_translation"] == "x_translations.csv"
    assert (tmp_path / "out" / "x_translations.csv").read_text(encoding="utf-8").count("\n") == 5
    issues = validate(read_source(tmp_path / "out"))
    assert [i for i in issues if i.severity == "error"] == []


def test_json_export_round_trips(tmp_path: Path, service_file: Path) -> None:
    engine = _fresh(tmp_path, "a.db")
    assert import_path(service_file, engine).ok
    first = dump_tables(engine)
    export_tables(first, tmp_path / "out")
    services = tmp_path / "out" / "json" / "services.json"
    assert validate(read_source(services)) == []
    again = _fresh(tmp_path, "b.db")
    assert import_path(services, again).ok
    assert dump_tables(again) == first
