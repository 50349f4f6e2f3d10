"""Stored service vectors: computed at import, read when the search index loads.

Two extension tables (the search area's own, beside the HSDS schema):

- `x_text_embedding(model, text_hash, dim, vector)`: one vector per distinct text and model;
  100k generated services sharing a few hundred descriptions cost a few hundred encodings;
- `x_service_embedding(service_id, model, language, text_hash)`: which text each service has
  in each language.

`refresh(engine)` (called by the directory import and demo commands after loading) encodes
only texts it has never seen for the model; at query time only the query is encoded.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, delete, select
from sqlalchemy.engine import Engine

from bot.directory.schema import TABLES
from bot.search.embeddings import Encoder, get_encoder, text_hash
from bot.search.index import SearchIndex, service_text

log = logging.getLogger(__name__)

metadata = MetaData()

text_embedding = Table(
    "x_text_embedding",
    metadata,
    Column("model", String(64), primary_key=True),
    Column("text_hash", String(40), primary_key=True),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

service_embedding = Table(
    "x_service_embedding",
    metadata,
    Column("service_id", String(64), primary_key=True),
    Column("model", String(64), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("text_hash", String(40), nullable=False, index=True),
)

BATCH = 2_000


def init_tables(engine: Engine) -> None:
    """Bring the database to the project's schema (`bot.db`), these tables included."""
    from bot.db import upgrade

    upgrade(engine)


def service_texts(engine: Engine, record_language: str = "fr") -> dict[tuple[str, str], str]:
    """(service id, language) → the text embedded for it, for active services."""
    other = "en" if record_language == "fr" else "fr"
    service = TABLES["service"]
    translation = TABLES["x_translation"]
    texts: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        translated: dict[tuple[str, str], str] = {}
        for row in conn.execute(
            select(translation.c.link_id, translation.c.field, translation.c.value).where(
                (translation.c.link_entity == "service")
                & (translation.c.language == other)
                & translation.c.field.in_(("name", "description"))
            )
        ):
            translated[(row.link_id, row.field)] = row.value
        for row in conn.execute(
            select(service.c.id, service.c.name, service.c.description, service.c.status)
        ):
            if row.status not in ("active", None):
                continue
            texts[(row.id, record_language)] = service_text(row.name or "", row.description or "")
            texts[(row.id, other)] = service_text(
                translated.get((row.id, "name")) or row.name or "",
                translated.get((row.id, "description")) or row.description or "",
            )
    return texts


def _known_hashes(engine: Engine, model: str) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                select(text_embedding.c.text_hash).where(text_embedding.c.model == model)
            ).scalars()
        )


def refresh(
    engine: Engine,
    model: str | None = None,
    *,
    encoder: Encoder | None = None,
    record_language: str = "fr",
) -> dict[str, Any]:
    """Bring the stored vectors up to date with the directory; returns what it did."""
    started = time.perf_counter()
    encoder = encoder or get_encoder(model)
    init_tables(engine)
    texts = service_texts(engine, record_language)
    hashes = {key: text_hash(text) for key, text in texts.items()}
    by_hash = {hashes[key]: text for key, text in texts.items()}
    missing = sorted(set(by_hash) - _known_hashes(engine, encoder.name))
    with engine.begin() as conn:
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            vectors = encoder.encode([by_hash[h] for h in chunk])
            conn.execute(
                text_embedding.insert(),
                [
                    {
                        "model": encoder.name,
                        "text_hash": h,
                        "dim": int(vectors.shape[1]),
                        "vector": vectors[i].astype(np.float32).tobytes(),
                    }
                    for i, h in enumerate(chunk)
                ],
            )
        conn.execute(delete(service_embedding).where(service_embedding.c.model == encoder.name))
        rows = [
            {"service_id": sid, "model": encoder.name, "language": lang, "text_hash": h}
            for (sid, lang), h in hashes.items()
        ]
        for start in range(0, len(rows), 20_000):
            conn.execute(service_embedding.insert(), rows[start : start + 20_000])
    report = {
        "model": encoder.name,
        "services": len(texts) // 2,
        "texts": len(by_hash),
        "encoded": len(missing),
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info("search vectors: %s", report)
    return report


def attach_vectors(
    index: SearchIndex,
    engine: Engine | None,
    model: str | None = None,
    encoder: Encoder | None = None,
) -> None:
    """Give `index` its service vectors: stored ones, and any missing ones encoded now."""
    encoder = encoder or get_encoder(model)
    stored: dict[str, np.ndarray] = {}
    pairs: dict[tuple[str, str], str] = {}
    if engine is not None:
        init_tables(engine)
        with engine.connect() as conn:
            for row in conn.execute(
                select(
                    service_embedding.c.service_id,
                    service_embedding.c.language,
                    service_embedding.c.text_hash,
                ).where(service_embedding.c.model == encoder.name)
            ):
                pairs[(row.service_id, row.language)] = row.text_hash
            for row in conn.execute(
                select(text_embedding.c.text_hash, text_embedding.c.vector).where(
                    text_embedding.c.model == encoder.name
                )
            ):
                stored[row.text_hash] = np.frombuffer(row.vector, dtype=np.float32)
    hash_rows: dict[str, int] = {}
    rows = np.zeros((index.size, 2), dtype=np.int32)
    pending: dict[str, str] = {}
    for i, service in enumerate(index.services):
        for column, lang in enumerate(("fr", "en")):
            key = pairs.get((service.id, lang))
            if key is None or key not in stored:
                text = service_text(service.name[lang], service.description[lang])
                key = text_hash(text)
                if key not in stored:
                    pending[key] = text
            rows[i, column] = hash_rows.setdefault(key, len(hash_rows))
    if pending:
        log.info(
            "search vectors: encoding %d texts not stored for %s (run `relais search "
            "refresh-vectors`)",
            len(pending),
            encoder.name,
        )
        keys = list(pending)
        stored.update(zip(keys, encoder.encode([pending[k] for k in keys]), strict=True))
    matrix = np.zeros((len(hash_rows), encoder.dim), dtype=np.float32)
    for key, row in hash_rows.items():
        matrix[row] = stored[key]
    index.vectors = matrix
    index.vector_rows = rows
    index.model = encoder.name
