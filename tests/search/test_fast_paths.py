"""The search's fast paths give the answers of the plain computations they replace.

The grid slices, the per-candidate text scores, the top-k selection, the schedule groups, the
static encoder's numpy path and the caches (places, query vectors, encoders) each have a slow,
obvious twin; these tests compare them on random or hand-made data.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.search import engine
from bot.search.index import cell_of, haversine_km

TZ = ZoneInfo("America/Montreal")
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=TZ)
WEEKDAYS = {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}
EVENINGS = {
    "freq": "WEEKLY",
    "byday": "MO,TU,WE,TH,FR,SA,SU",
    "opens_at": "19:00",
    "closes_at": "23:00",
}


def _random_index(build, seed: int, services: int = 300):
    rng = random.Random(seed)
    needs = ("food", "income", "material", "legal")
    made, points = [], []
    for i in range(services):
        made.append(build.service(f"s{i}", rng.sample(needs, rng.randint(1, 2))))
        for _ in range(rng.randint(0, 3)):
            points.append((i, 45.5 + rng.uniform(-0.6, 0.6), -73.6 + rng.uniform(-0.8, 0.8)))
    return build.index(made, points), rng


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grid_slices_hold_every_point_within_the_radius_in_cell_order(build, seed):
    index, rng = _random_index(build, seed)
    for _ in range(30):
        lat, lon = 45.5 + rng.uniform(-0.5, 0.5), -73.6 + rng.uniform(-0.7, 0.7)
        for radius in engine.RADII_KM:
            found = index.candidates("food", lat, lon, radius)
            assert len(set(found.tolist())) == len(found)
            within = {
                i
                for i, point in enumerate(index.points)
                if "food" in index.services[point.service].needs
                and haversine_km(lat, lon, point.lat, point.lon) <= radius
            }
            assert within <= set(found.tolist())
            cells = [
                (*cell_of(index.points[i].lat, index.points[i].lon), i) for i in found.tolist()
            ]
            assert cells == sorted(cells)  # row, then column, then point order


def test_top_selection_equals_a_full_stable_sort():
    rng = np.random.default_rng(5)
    for _ in range(200):
        size = int(rng.integers(1, 400))
        score = rng.choice([1.0, 1.2, 1.35, 1.6], size=size) + rng.choice([0.0, 0.1], size=size)
        distance = rng.choice([np.nan, 1.0, 2.5, 2.5, 7.0], size=size)
        count = int(rng.integers(1, 20))
        expected = sorted(
            range(size), key=lambda i: (-score[i], np.inf if np.isnan(distance[i]) else distance[i])
        )[:count]
        assert engine._top(score, distance, count).tolist() == expected


def test_text_scores_of_candidates_equal_the_full_matrix(build, use_encoder):
    from bot.search.vectors import attach_vectors

    descriptions = [
        "Banque alimentaire",
        "Cuisine collective",
        "Aide juridique",
        "Friperie",
        "Paniers de Noël",
        "Clinique d'impôts",
    ]
    index = build.index(
        [build.service(f"s{i}", ["food"], description=descriptions[i % 6]) for i in range(40)],
        [(i, 45.5, -73.6) for i in range(40)],
    )
    attach_vectors(index, None, encoder=use_encoder)
    text = "je voudrais cuisiner avec d'autres"
    query = use_encoder.encode_one(text)
    full = (index.vectors @ query)[index.vector_rows].max(axis=1)
    for services in (np.arange(40), np.array([3, 17, 5]), np.array([0])):
        assert np.allclose(engine._text_scores(index, text, services), full[services], atol=1e-5)


def test_services_with_the_same_hours_share_one_schedule_group(build):
    index = build.index(
        [
            build.service("a", ["food"], schedules=({"id": "1", "service_id": "a", **WEEKDAYS},)),
            build.service("b", ["food"], schedules=({"id": "2", "service_id": "b", **WEEKDAYS},)),
            build.service("c", ["food"], schedules=({"id": "3", **EVENINGS},)),
            build.service("d", ["food"]),
        ],
        [(0, 45.74, -73.45), (1, 45.74, -73.45), (2, 45.74, -73.45), (3, 45.74, -73.45)],
    )
    groups = index.service_schedule.tolist()
    assert groups[0] == groups[1] != groups[2] and groups[3] == -1
    assert len(index.schedule_sets) == 2
    hits = {
        hit.service_id: hit
        for hit in engine.search("food", place="Repentigny", index=index, now=NOON, limit=10).hits
    }
    assert hits["a"].open_now is True and hits["b"].open_now is True
    assert hits["c"].open_now is False
    assert hits["c"].next_opening == datetime(2026, 6, 10, 19, 0, tzinfo=TZ)
    assert hits["d"].open_now is None and hits["d"].next_opening is None


def test_a_remembered_place_is_not_shared_between_results(build):
    index = build.index([build.service("food", ["food"])], [(0, 45.74, -73.45)])
    first = engine.search("food", place="Repentigny", index=index, now=NOON)
    first.place["name"] = "changed"
    second = engine.search("food", place="Repentigny", index=index, now=NOON)
    assert second.place["name"] == "Repentigny"


def test_query_vectors_are_remembered_and_read_only(build, use_encoder):
    from bot.search.vectors import attach_vectors

    index = build.index(
        [build.service("food", ["food"], description="Banque alimentaire")], [(0, 45.74, -73.45)]
    )
    attach_vectors(index, None, encoder=use_encoder)
    first = engine._query_vector(index.model, "j'ai faim")
    assert engine._query_vector(index.model, "j'ai faim") is first
    assert not first.flags.writeable
    assert np.allclose(first, use_encoder.encode_one("j'ai faim"), atol=1e-6)


def test_the_default_encoder_is_loaded_once(monkeypatch, use_encoder):
    from bot.search.embeddings import get_encoder

    monkeypatch.setenv("RELAIS_SEARCH_MODEL", "use")
    assert get_encoder() is get_encoder("use") is use_encoder


def test_static_encoder_numpy_path_equals_sentence_transformers():
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    from bot.search.embeddings import Encoder

    words = ["[UNK]", "banque", "alimentaire", "logement", "aide", "juridique", "faim", "j'ai"]
    tokenizer = Tokenizer(WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    weights = np.random.default_rng(3).normal(size=(len(words), 16)).astype(np.float32)
    model = SentenceTransformer(
        modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu"
    )
    encoder = Encoder("static-test", model, threading.Lock())
    assert encoder._static_parts() is not None
    for text in ("banque alimentaire", "aide juridique logement", "j'ai faim faim", "zzz", ""):
        assert np.allclose(encoder.encode_one(text), encoder.encode([text])[0], atol=1e-6), text


def test_schedule_groups_keep_values_of_other_types_apart(build):
    """True and 1.0 are equal in Python, but only True flags a row open on holidays."""
    flagged = build.service(
        "flagged", ["food"], schedules=({**WEEKDAYS, "x_open_on_holidays": True},)
    )
    number = build.service("number", ["food"], schedules=({**WEEKDAYS, "x_open_on_holidays": 1.0},))
    nested = build.service(
        "nested", ["food"], schedules=({**WEEKDAYS, "attributes": [{"taxonomy_term_id": "x"}]},)
    )
    index = build.index(
        [flagged, number, nested], [(0, 45.74, -73.45), (1, 45.74, -73.45), (2, 45.74, -73.45)]
    )
    assert len(set(index.service_schedule.tolist())) == 3
    holiday = datetime(2026, 6, 24, 12, 0, tzinfo=TZ)  # Fête nationale, a Wednesday
    hits = {
        hit.service_id: hit
        for hit in engine.search("food", place="Repentigny", index=index, now=holiday, limit=5).hits
    }
    assert hits["flagged"].open_now is True and hits["number"].open_now is False
