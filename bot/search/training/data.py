"""The bilingual training material of the search encoder.

Two sources, never the held-out files under tests/: the project's own examples
(`examples.yml` beside this file) and the Rasa NLU training data `data/nlu/*.yml` (intents
`need_<id>`), when the assistant area has written it. The NLU data is written by others and
may happen to contain a sentence of the search held-out set ("gambling addiction help"):
such sentences are dropped, so the held-out figures stay honest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.settings import ROOT

EXAMPLES_FILE = Path(__file__).resolve().parent / "examples.yml"
NLU_DIR = ROOT / "data" / "nlu"
HELDOUT_FILE = ROOT / "tests" / "search" / "retrieval_heldout.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


@dataclass(frozen=True)
class Query:
    """What a person writes, with its need and language."""

    text: str
    need: str
    language: str


@dataclass(frozen=True)
class TrainingSet:
    queries: tuple[Query, ...]
    documents: dict[str, dict[str, tuple[str, ...]]]
    """need → language → service-like descriptions."""

    def sentences(self) -> list[str]:
        """Every distinct sentence (for distillation)."""
        seen: dict[str, None] = {}
        for query in self.queries:
            seen.setdefault(query.text, None)
        for by_language in self.documents.values():
            for texts in by_language.values():
                for text in texts:
                    seen.setdefault(text, None)
        return list(seen)


def _nlu_language(path: Path) -> str | None:
    match = re.search(r"_(fr|en)\.ya?ml$", path.name)
    return match.group(1) if match else None


def nlu_queries(nlu_dir: Path = NLU_DIR) -> list[Query]:
    """`need_<id>` examples of the Rasa training data, annotations stripped."""
    from bot.directory.needs import NEED_IDS

    queries: list[Query] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        language = _nlu_language(path)
        if language is None:
            continue
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue  # another area may be writing it right now
        for block in document.get("nlu") or []:
            intent = str(block.get("intent") or "")
            need = intent.removeprefix("need_")
            if not intent.startswith("need_") or need not in NEED_IDS:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text)
                if text:
                    queries.append(Query(text, need, language))
    return queries


def fold(text: str) -> str:
    """Case and spacing folded: how two sentences are compared for leakage."""
    return " ".join(text.lower().split())


def heldout_texts(path: Path = HELDOUT_FILE) -> set[str]:
    """Folded texts of the held-out set (read only to keep them out of training)."""
    if not path.exists():
        return set()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        fold(str(text)) for by_need in raw.values() for texts in by_need.values() for text in texts
    }


def load_training_set(include_nlu: bool = True) -> TrainingSet:
    """The examples file plus, when present, the NLU need examples."""
    raw = yaml.safe_load(EXAMPLES_FILE.read_text(encoding="utf-8"))
    queries = [
        Query(str(text), need, language)
        for language, by_need in raw["queries"].items()
        for need, texts in by_need.items()
        for text in texts
    ]
    if include_nlu:
        excluded = heldout_texts()
        queries.extend(q for q in nlu_queries() if fold(q.text) not in excluded)
    documents = {
        need: {language: tuple(texts) for language, texts in by_language.items()}
        for need, by_language in raw["documents"].items()
    }
    unique = tuple(dict.fromkeys(queries))
    return TrainingSet(unique, documents)
