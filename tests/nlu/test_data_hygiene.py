"""The held-out NLU data must stay unseen: no held-out line may appear in the training data."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz, process

from bot.settings import ROOT

TRAINING_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml"))
HELDOUT_FILES = sorted(
    path
    for pattern in ("heldout_*.yml", "blind_*.yml", "unseen_*.yml", "sealed_*.yml")
    for path in (ROOT / "tests" / "nlu").glob(pattern)
)
"""Every evaluation set: never trained on, never a near copy of a training line."""


def normalized(text: str) -> str:
    """Lowercase, no accents, no punctuation: how two lines are compared."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = " ".join(re.sub(r"[^\w\s]", " ", text).split())
    return words or text.strip()  # emoji-only lines compare as they are


def examples(path: Path) -> list[tuple[str, str]]:
    """(intent, text) pairs of a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        examples = block.get("examples", "")
        if isinstance(examples, list):  # `- text: …` items with metadata
            pairs += [(block["intent"], str(item["text"]).strip()) for item in examples]
            continue
        for line in str(examples).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((block["intent"], line[2:].strip()))
    return pairs


@pytest.fixture(scope="module")
def training() -> dict[str, str]:
    return {normalized(text): intent for path in TRAINING_FILES for intent, text in examples(path)}


def test_there_is_training_and_heldout_data() -> None:
    assert TRAINING_FILES and HELDOUT_FILES


@pytest.mark.parametrize("path", HELDOUT_FILES, ids=lambda p: p.name)
def test_no_heldout_line_is_in_training(path: Path, training: dict[str, str]) -> None:
    leaked = [text for _, text in examples(path) if normalized(text) in training]
    assert not leaked, f"{len(leaked)} held-out lines are also training lines: {leaked[:10]}"


@pytest.mark.parametrize("path", HELDOUT_FILES, ids=lambda p: p.name)
def test_no_heldout_line_is_a_near_copy_of_training(path: Path, training: dict[str, str]) -> None:
    choices = list(training)
    near = []
    for _, text in examples(path):
        key = normalized(text)
        if len(key) < 25:  # short lines ("oui", "merci") can only be said a few ways
            continue
        match = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=92)
        if match:
            near.append((text, match[0]))
    assert not near, f"held-out lines nearly copied from training: {near[:10]}"


def test_no_training_text_has_two_intents() -> None:
    seen: dict[str, str] = {}
    conflicts = []
    for path in TRAINING_FILES:
        for intent, text in examples(path):
            key = normalized(text)
            if key in seen and seen[key] != intent:
                conflicts.append((text, seen[key], intent))
            seen[key] = intent
    assert not conflicts, f"texts labelled with two intents: {conflicts[:10]}"
