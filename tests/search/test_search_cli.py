"""`relais search --need … --place …` (human and JSON output)."""

from __future__ import annotations

import json

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def _demo(demo_index):  # type: ignore[no-untyped-def]
    from bot.search import engine

    engine.set_index(demo_index)
    yield
    engine.set_index(None)


def test_human_listing_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--need", "food", "--place", "Repentigny", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Alimentation près de Repentigny")
    assert "1. " in out and "3. " in out and "4. " not in out
    assert "(fictif)" in out and " km" in out and "555-01" in out


def test_human_listing_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["search", "--need", "housing", "--place", "Laval", "--lang", "en", "--open-now"]) == 0
    )
    out = capsys.readouterr().out
    assert "near Laval" in out and "(fictional)" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--need", "legal", "--place", "Longueuil", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["need"] == "legal" and body["hits"]


def test_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--need", "pizza", "--place", "Laval"]) == 2
    assert main(["search", "--need", "food"]) == 2
    assert main(["search", "--need", "food", "--place", "zzzz qqqq"]) == 1
    assert "introuvable" in capsys.readouterr().err
