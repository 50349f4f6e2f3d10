"""Training the Rasa model only when its inputs changed.

The model's file name carries a hash of everything that shapes it — `config.yml`, the
domain, the training data, and the code of the trained intent classifier and its features
(`FEATURE_CODE`) — so `ensure_model()` finds an up-to-date
model by name and trains (minutes on 2 cores) only when none exists. The test suite, `relais
run` and `relais understand` therefore train at most once per content change.

Two kinds of model: the full assistant (NLU + dialogue: `relais-<hash>.tar.gz`) and NLU only
(`relais-nlu-<hash>.tar.gz`, used for NLU evaluation and whenever no domain exists yet). Rule-
based components (language, crisis, needs, profile lexicons) are not trained: they read their
`bot/nlu/*_lexicon.yml` when the model loads, so editing a lexicon needs no retraining.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from bot.settings import (
    DIALOGUE_DATA_DIRS,
    DOMAIN_PATH,
    MODELS_DIR,
    NLU_DATA_DIR,
    RASA_CONFIG,
    ROOT,
)

logger = logging.getLogger(__name__)

CONFIG = RASA_CONFIG
DOMAIN = DOMAIN_PATH
NLU_DATA = NLU_DATA_DIR
DIALOGUE_DATA = DIALOGUE_DATA_DIRS
FEATURE_CODE = tuple(
    ROOT / "bot" / "nlu" / name
    for name in ("normalize.py", "tokenizer.py", "intent_classifier.py", "sentence_vectors.py")
)
DATA_SUFFIXES = frozenset({".yml", ".yaml", ".json", ".md"})


def _files(paths: Iterable[Path]) -> list[Path]:
    """Every data file under `paths` (files or folders), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES)
    return sorted(set(found))


def has_domain(domain: Path | None = None) -> bool:
    """Whether a dialogue domain exists (a file, or a folder with at least one YAML file)."""
    return bool(_files([domain or DOMAIN]))


def inputs(nlu_only: bool) -> list[Path]:
    """The files whose content decides the model."""
    parts: list[Path] = [CONFIG, *FEATURE_CODE, NLU_DATA]
    if not nlu_only:
        parts += [DOMAIN, *DIALOGUE_DATA]
    return _files(parts)


def content_hash(nlu_only: bool) -> str:
    """A short hash of the training inputs (paths relative to the repository, and bytes)."""
    digest = hashlib.sha256()
    digest.update(b"nlu" if nlu_only else b"full")
    for path in inputs(nlu_only):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_name(nlu_only: bool) -> str:
    """The fixed model name for the current inputs (without `.tar.gz`)."""
    return f"relais-{'nlu-' if nlu_only else ''}{content_hash(nlu_only)}"


def model_path(nlu_only: bool, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{model_name(nlu_only)}.tar.gz"


def ensure_model(
    force: bool = False, nlu_only: bool | None = None, models_dir: Path = MODELS_DIR
) -> Path:
    """The path of an up-to-date model, training it first if it is missing (or `force`).

    `nlu_only=None` trains the full assistant when a domain exists, else NLU only.
    """
    if nlu_only is None:
        nlu_only = not has_domain()
    target = model_path(nlu_only, models_dir)
    if target.exists() and not force:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    logger.info("Training %s (inputs changed or forced)", target.name)
    name = target.name[: -len(".tar.gz")]
    if nlu_only:
        from rasa.model_training import train_nlu

        result = train_nlu(str(CONFIG), str(NLU_DATA), str(models_dir), fixed_model_name=name)
        if not result:
            raise RuntimeError("Rasa NLU training produced no model (see the log above)")
    else:
        from rasa.model_training import train

        data = [str(p) for p in (NLU_DATA, *DIALOGUE_DATA) if p.exists()]
        outcome = train(
            str(DOMAIN),
            str(CONFIG),
            data,
            str(models_dir),
            fixed_model_name=name,
            force_training=True,
        )
        if outcome.code != 0 or not outcome.model:
            raise RuntimeError(f"Rasa training failed with code {outcome.code}")
    if not target.exists():
        raise RuntimeError(f"training finished but {target} is missing")
    return target


def latest_model(models_dir: Path = MODELS_DIR) -> Path | None:
    """The newest model under `models_dir` (any inputs), or None."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
