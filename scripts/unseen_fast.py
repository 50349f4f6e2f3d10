"""Fast iteration on the unseen sets: classifier + CrisisGuard + fallback, without Rasa training.

Sentence vectors are cached on disk by text, so a run after a data change only encodes the new
lines. Prints aggregate figures only (the unseen sets are blind). Not the real pipeline: confirm
with scripts/unseen_figures.py before a commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from sklearn.metrics import f1_score

import bot.nlu.intent_classifier as ic
from bot.nlu import sentence_vectors as sv
from bot.nlu.crisis import CrisisGuard, default_rules, is_crisis_intent
from bot.ops.evaluation import load_labelled, needs_report
from bot.settings import ROOT

CACHE = Path(
    sys.argv[1]
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-")
    else "/tmp/nlu-unseen-cache"
)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


_store: dict[str, np.ndarray] = {}


def _load() -> None:
    path = CACHE / "vectors.npz"
    if path.exists():
        data = np.load(path)
        _store.update({k: data[k] for k in data.files})


def _save() -> None:
    np.savez(CACHE / "vectors.npz", **_store)


def cached_vectors(texts: list[str]) -> np.ndarray:
    missing = [t for t in dict.fromkeys(texts) if _key(t) not in _store]
    if missing:
        vectors = sv.sentence_vectors(missing)
        for text, vector in zip(missing, vectors, strict=True):
            _store[_key(text)] = vector
        _save()
    return np.stack([_store[_key(t)] for t in texts])


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    _load()
    ic.sentence_vectors = cached_vectors
    training = load_data(str(ROOT / "data" / "nlu")).intent_examples
    texts = [m.get("text") for m in training]
    intents = [m.get("intent") for m in training]
    config = {"ngram_weight": 0.6, "ngram_c": 20, "sentence_c": 10}
    model = ic.IntentModel(config).fit(texts, intents)
    guard = CrisisGuard.create(
        CrisisGuard.get_default_config(),
        None,
        None,
        None,  # type: ignore[arg-type]
    )
    rules = default_rules()
    summary = {}
    for language in ("fr", "en"):
        paths = [ROOT / "tests" / "nlu" / f"unseen_{p}_{language}.yml" for p in ("needs", "crisis")]
        examples = load_labelled(paths)
        rows = model.probabilities([e.text for e in examples])
        parses = []
        for example, row in zip(examples, rows, strict=True):
            order = np.argsort(-row)
            ranking = [{"name": model.classes[i], "confidence": float(row[i])} for i in order]
            message = Message({"text": example.text})
            message.set("intent", ranking[0])
            message.set("intent_ranking", ranking)
            guard.process_message(message)
            intent = message.get("intent")
            ranked = message.get("intent_ranking")
            margin = float(ranked[0]["confidence"]) - float(ranked[1]["confidence"])
            low = float(intent.get("confidence") or 0) < 0.2 or margin < 0.03
            if low and not message.get("crisis"):
                intent = {"name": "nlu_fallback"}
            parses.append({"intent": intent, "crisis": message.get("crisis"), "needs": []})
        report = needs_report(examples, parses)
        gold = [e.intent for e in examples]
        predicted = [p["intent"]["name"] for p in parses]
        labels = sorted({g for g in gold if g.startswith("need_")})
        per_class = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
        alarms: Counter[str] = Counter()
        for example, parse in zip(examples, parses, strict=True):
            if is_crisis_intent(example.intent) or not parse.get("crisis"):
                continue
            scan = rules.match(example.text)
            source = (
                "rule"
                if scan.kinds
                else ("framed-model" if getattr(scan, "framed", False) else "model")
            )
            alarms[f"{example.near or example.kind}: {source}"] += 1
        missed = Counter(
            f"{e.intent} {e.kind}"
            for e, p in zip(examples, parses, strict=True)
            if is_crisis_intent(e.intent) and not p.get("crisis")
        )
        out = {
            k: report[k]
            for k in (
                "need_macro_f1",
                "crisis_recall",
                "false_alarm_rate",
                "hard_negative_false_alarms",
                "accuracy_by_kind",
            )
        }
        out["need_f1_below_0.9"] = {
            label: round(float(f), 2) for label, f in zip(labels, per_class, strict=True) if f < 0.9
        }
        out["false_alarm_sources"] = dict(sorted(alarms.items()))
        out["missed_crises"] = dict(sorted(missed.items()))
        out["confusions"] = [
            f"{g}->{p}: {n}"
            for (g, p), n in Counter(
                (g, p)
                for g, p in zip(gold, predicted, strict=True)
                if g != p and not is_crisis_intent(g)
            ).most_common(25)
        ]
        summary[language] = out
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
