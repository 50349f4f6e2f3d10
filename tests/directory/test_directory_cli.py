"""`relais directory import|export|validate`: exit codes, messages, RELAIS_DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import get_settings
from tests.directory.directory_support import EXAMPLES, bilingual_service


@pytest.fixture(autouse=True)
def database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    monkeypatch.setenv("RELAIS_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture) -> None:
    assert main(["directory"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("import", "export", "validate"))


def test_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["directory", "validate", str(EXAMPLES / "service_full.json")]) == 0
    bad = bilingual_service()
    bad["status"] = "open"
    del bad["name"]
    path = tmp_path / "services.json"
    path.write_text(json.dumps([bad]), encoding="utf-8")
    assert main(["directory", "validate", str(path), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "status" in err and "name" in err and "2 error(s)" in err
    assert main(["directory", "validate", str(tmp_path / "absent.json")]) == 1


def test_import_then_export(
    tmp_path: Path, service_file: Path, database: str, capsys: pytest.CaptureFixture
) -> None:
    assert main(["directory", "import", str(service_file)]) == 0
    assert "Importation réussie" in capsys.readouterr().out
    assert Path(database.removeprefix("sqlite:///")).is_file()
    assert main(["directory", "export", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "services.csv").read_text(encoding="utf-8").count("\n") == 2
    services = json.loads((tmp_path / "out" / "json" / "services.json").read_text("utf-8"))
    assert services[0]["x_translations"]


def test_refused_import_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "services.json"
    path.write_text("{not json", encoding="utf-8")
    assert main(["directory", "import", str(path), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "services.json" in err and "Nothing was imported" in err
