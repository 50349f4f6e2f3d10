"""Encoders, training material and the held-out set of the search."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from bot.directory.needs import NEED_IDS
from bot.search.training.data import load_training_set
from bot.search.training.evaluate import Corpus, evaluate, load_queries

HELDOUT = Path(__file__).resolve().parent / "retrieval_heldout.yml"


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def test_heldout_has_150_queries_per_language_over_every_need():
    queries = load_queries(HELDOUT)
    per_language = Counter(q.language for q in queries)
    assert per_language["fr"] >= 150 and per_language["en"] >= 150
    assert {q.need for q in queries} == set(NEED_IDS)


def test_training_material_never_contains_heldout_queries():
    training = load_training_set()
    assert {q.need for q in training.queries} == set(NEED_IDS)
    assert set(training.documents) == set(NEED_IDS)
    seen = {_fold(q.text) for q in training.queries}
    leaked = [q.text for q in load_queries(HELDOUT) if _fold(q.text) in seen]
    assert leaked == []


def test_use_through_sentence_transformers_is_multilingual(use_encoder):
    vectors = use_encoder.encode(["j'ai faim", "I am hungry", "renouveler mon passeport"])
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_evaluation_figures_per_language(use_encoder):
    queries = [q for q in load_queries(HELDOUT) if q.need in ("food", "legal")][:12]
    corpus = Corpus(
        ("Banque alimentaire", "Clinique juridique"),
        ("Food bank", "Legal clinic"),
        (frozenset({"food"}), frozenset({"legal"})),
    )
    figures = evaluate(use_encoder, queries, corpus, NEED_IDS)
    assert set(figures) == {"fr", "en", "all"} or set(figures) == {"fr", "all"}
    for entry in figures.values():
        assert 0 <= entry["top1"] <= 1 and 0 <= entry["recall5"] <= 1
    assert figures["all"]["recall5"] == 1.0  # only two services: both are in the top 5
