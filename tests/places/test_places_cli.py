"""`relais place TEXT [--json] [--lang en]` and `relais place --jsonl FILE|-`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main


def test_place_human_line_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["place", "DDO"]) == 0
    out = capsys.readouterr().out
    assert "Dollard-Des Ormeaux (66142)" in out and "territoire desservi" in out


def test_place_in_english_with_alternatives(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["place", "Saint-Lambert", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "in the territory served" in out
    assert "Other possibilities: Saint-Lambert (Abitibi-Ouest)" in out


def test_place_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["place", "chu dans Hochelaga", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["place"]["code_geo"] == "66023"
    assert result["place"]["borough"] == "Mercier–Hochelaga-Maisonneuve"


def test_place_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["place", "je sais pas"]) == 1
    assert "Aucun lieu reconnu" in capsys.readouterr().out


def test_jsonl_file_keeps_order_and_survives_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"text": "h2x1y4"}\nnot json\n{"text": "merci"}\n{"nope": 1}\n{"text": "Laval"}\n',
        encoding="utf-8",
    )
    assert main(["place", "--jsonl", str(source)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5
    assert lines[0]["place"]["code_geo"] == "66023"
    assert lines[1]["line"] == 2 and set(lines[1]["error"]) == {"fr", "en"}
    assert lines[2] == {"text": "merci", "place": None}
    assert lines[3]["line"] == 4 and lines[3]["place"] is None
    assert lines[4]["place"]["code_geo"] == "65005"


def test_jsonl_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": "Town of Mount Royal"}\n'))
    assert main(["place", "--jsonl", "-"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["place"]["code_geo"] == "66072"
