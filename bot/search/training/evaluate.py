"""Retrieval figures of an encoder on labelled queries: what picks the search model.

- `top1`: the need whose prototype (its label and description, French and English, averaged)
  is nearest to the query is the labelled need;
- `recall5`: at least one of the 5 services nearest to the query (max over the service's French
  and English texts) is tagged with the labelled need; `precision5`: the share of the 5 that are;
- `ms_per_query`: encoding one query at a time, as the search does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.search.embeddings import Encoder


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    need: str
    language: str


@dataclass(frozen=True)
class Corpus:
    """Service texts (one row per distinct service text pair) and their needs."""

    texts_fr: tuple[str, ...]
    texts_en: tuple[str, ...]
    needs: tuple[frozenset[str], ...]


def load_queries(path: Path) -> list[LabelledQuery]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        LabelledQuery(str(text), need, language)
        for language, by_need in raw.items()
        for need, texts in by_need.items()
        for text in texts
    ]


def need_prototypes(encoder: Encoder, need_ids: Sequence[str]) -> np.ndarray:
    """One normalised vector per need, from its label and description in both languages."""
    from bot.directory.needs import need_description, need_label

    texts = [
        f"{need_label(need, lang)} : {need_description(need, lang)}"
        for need in need_ids
        for lang in ("fr", "en")
    ]
    vectors = encoder.encode(texts).reshape(len(need_ids), 2, -1).mean(axis=1)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def corpus_from_tables(tables: dict[str, list[dict]]) -> Corpus:
    """Distinct service texts of HSDS flat tables, with the needs of the services using them."""
    from bot.directory import needs as N
    from bot.search.index import service_text

    terms = {N.term_id(N.NEEDS_TAXONOMY, need): need for need in N.NEED_IDS}
    service_needs: dict[str, set[str]] = {}
    for row in tables.get("attribute", []):
        if row["link_entity"] == "service" and row["taxonomy_term_id"] in terms:
            service_needs.setdefault(row["link_id"], set()).add(terms[row["taxonomy_term_id"]])
    english = {
        (row["link_id"], row["field"]): row["value"]
        for row in tables.get("x_translation", [])
        if row["link_entity"] == "service" and row["language"] == "en"
    }
    merged: dict[tuple[str, str], set[str]] = {}
    for row in tables["service"]:
        fr = service_text(row["name"], row.get("description") or "")
        en = service_text(
            english.get((row["id"], "name"), row["name"]),
            english.get((row["id"], "description"), row.get("description") or ""),
        )
        merged.setdefault((fr, en), set()).update(service_needs.get(row["id"], ()))
    keys = [key for key, found in merged.items() if found]
    return Corpus(
        tuple(k[0] for k in keys),
        tuple(k[1] for k in keys),
        tuple(frozenset(merged[k]) for k in keys),
    )


def evaluate(
    encoder: Encoder,
    queries: Sequence[LabelledQuery],
    corpus: Corpus | None,
    need_ids: Sequence[str],
) -> dict[str, dict[str, float]]:
    """Figures per language (`fr`, `en`) and overall (`all`)."""
    prototypes = need_prototypes(encoder, need_ids)
    query_vectors = encoder.encode([q.text for q in queries])
    started = time.perf_counter()
    for query in queries[:60]:
        encoder.encode_one(query.text)
    ms = (time.perf_counter() - started) * 1000 / max(1, min(60, len(queries)))
    predicted = np.argmax(query_vectors @ prototypes.T, axis=1)
    hits5 = precision5 = None
    if corpus is not None:
        service_vectors = np.stack(
            [encoder.encode(list(corpus.texts_fr)), encoder.encode(list(corpus.texts_en))]
        )
        scores = np.max(np.einsum("qd,lsd->lqs", query_vectors, service_vectors), axis=0)
        top5 = np.argsort(-scores, axis=1)[:, :5]
        relevant = np.array(
            [[q.need in corpus.needs[j] for j in row] for q, row in zip(queries, top5, strict=True)]
        )
        hits5, precision5 = relevant.any(axis=1), relevant.mean(axis=1)
    figures: dict[str, dict[str, float]] = {}
    for language in ("fr", "en", "all"):
        mask = np.array([language in ("all", q.language) for q in queries])
        if not mask.any():
            continue
        correct = np.array([need_ids[p] == q.need for p, q in zip(predicted, queries, strict=True)])
        entry = {
            "queries": int(mask.sum()),
            "top1": round(float(correct[mask].mean()), 3),
            "ms_per_query": round(ms, 2),
        }
        if hits5 is not None and precision5 is not None:
            entry["recall5"] = round(float(hits5[mask].mean()), 3)
            entry["precision5"] = round(float(precision5[mask].mean()), 3)
        figures[language] = entry
    return figures
