"""Fixtures of the places tests: one gazetteer for the whole session (it is immutable)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.places.gazetteer import Gazetteer, get_gazetteer

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return get_gazetteer()


@pytest.fixture(scope="session")
def mentions() -> list[dict]:
    with (HERE / "mentions.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def blind_mentions() -> list[dict]:
    """The blind set of issue #4, written before reading the gazetteer (see its header)."""
    with (HERE / "mentions_blind.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def blind_sentences() -> dict[str, list]:
    with (HERE / "sentences_blind.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
