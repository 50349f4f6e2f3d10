"""`relais directory import` reads only inside the package, within size limits (issue 15):
a descriptor naming `/etc/passwd`, `../x.csv` or a symlink out of the folder is refused with
a clear message in the chosen language, and nothing of the file is ever shown; files and
tables over `RELAIS_IMPORT_MAX_BYTES` / `RELAIS_IMPORT_MAX_ROWS` are refused too."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.directory.importer import read_source
from bot.directory.limits import ImportLimits, inside
from bot.settings import get_settings
from tests.directory.directory_support import EXAMPLES

CANARY = "canary-header-4b1d"


@pytest.fixture(autouse=True)
def database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[str]:
    monkeypatch.setenv("RELAIS_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """The official CSV example, with a real descriptor naming `organizations.csv`."""
    folder = tmp_path / "package"
    shutil.copytree(EXAMPLES / "csv", folder)
    official = json.loads((EXAMPLES.parent / "datapackage.json").read_text(encoding="utf-8"))
    (folder / "datapackage.json").write_text(json.dumps(official), encoding="utf-8")
    return folder


def point_organizations_to(package: Path, path: str) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "organization":
            resource["path"] = path
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def refused(package: Path, capsys: pytest.CaptureFixture, lang: str) -> str:
    assert main(["directory", "import", str(package), "--lang", lang]) == 1
    out = capsys.readouterr()
    return out.out + out.err


def test_the_untouched_package_imports(package: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["directory", "import", str(package), "--lang", "en"]) == 0


def test_etc_passwd_is_refused_and_never_shown(
    package: Path, capsys: pytest.CaptureFixture
) -> None:
    point_organizations_to(package, "/etc/passwd")
    said = refused(package, capsys, "fr")
    assert "/etc/passwd" in said and "sort du dossier du paquet" in said
    assert "root" not in said and ":0:0:" not in said  # nothing of the file
    said = refused(package, capsys, "en")
    assert "leads outside the package folder" in said


def test_dot_dot_is_refused(package: Path, capsys: pytest.CaptureFixture) -> None:
    (package.parent / "secret.csv").write_text(f"{CANARY},name\n1,x\n", encoding="utf-8")
    point_organizations_to(package, "../secret.csv")
    said = refused(package, capsys, "en")
    assert "../secret.csv" in said and "outside the package" in said
    assert CANARY not in said


def test_symlink_leading_out_is_refused(package: Path, capsys: pytest.CaptureFixture) -> None:
    outside = package.parent / "elsewhere.csv"
    outside.write_text(f"{CANARY},name\n1,x\n", encoding="utf-8")
    (package / "organizations.csv").unlink()
    (package / "organizations.csv").symlink_to(outside)
    said = refused(package, capsys, "en")
    assert "organizations.csv" in said and "outside the package" in said
    assert CANARY not in said


def test_inside_accepts_only_plain_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    assert inside(tmp_path, "sub/a.csv") == tmp_path.resolve() / "sub" / "a.csv"
    for bad in ("/etc/passwd", "../a.csv", "sub/../../a.csv", "", None, 3, ["a.csv"],
                "https://example.org/a.csv", "a\x00.csv"):  # fmt: skip
        assert inside(tmp_path, bad) is None, bad


def test_oversize_file_is_refused(
    package: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = package / "services.csv"
    big.write_text(big.read_text(encoding="utf-8") + "#" * 100_000 + "\n", encoding="utf-8")
    monkeypatch.setenv("RELAIS_IMPORT_MAX_BYTES", "90000")  # the descriptor is ~60 kB
    said = refused(package, capsys, "en")
    assert "services.csv" in said and "over the limit of 90000 bytes" in said
    assert "###" not in said
    said = refused(package, capsys, "fr")
    assert "plus que la limite de 90000 octets" in said


def test_too_many_rows_is_refused(
    package: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    phones = package / "phones.csv"
    header, row = phones.read_text(encoding="utf-8").splitlines()
    phones.write_text(f"{header}\n{row}\nsecond-{row}\n", encoding="utf-8")  # two rows
    monkeypatch.setenv("RELAIS_IMPORT_MAX_ROWS", "1")
    said = refused(package, capsys, "en")
    assert "phones.csv" in said and "more than 1 rows" in said


def test_oversize_or_long_json_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "services.json"
    path.write_text(json.dumps([{"id": f"{CANARY}-{i}"} for i in range(5)]), encoding="utf-8")
    monkeypatch.setenv("RELAIS_IMPORT_MAX_BYTES", "10")
    source = read_source(path)
    assert [i.code for i in source.issues] == ["too_large"] and not source.tables
    assert CANARY not in source.issues[0].message("en")
    monkeypatch.delenv("RELAIS_IMPORT_MAX_BYTES")
    monkeypatch.setenv("RELAIS_IMPORT_MAX_ROWS", "3")
    assert [i.code for i in read_source(path).issues] == ["too_many_rows"]
    assert ImportLimits.from_env({"RELAIS_IMPORT_MAX_ROWS": "nonsense"}).max_rows > 1
