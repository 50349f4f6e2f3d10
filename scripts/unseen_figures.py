"""Aggregate figures of the unseen sets (tests/nlu/unseen_*_{fr,en}.yml) — never their texts.

The unseen sets are blind: this prints only aggregate figures (need macro-F1, crisis recall,
false alarms, hard-negative alarm rates by category, per-class F1, confusion-pair counts), so
that working on the model never shows a line of them. Usage:
    .venv/bin/python scripts/unseen_figures.py [fr|en ...] [--full] [--sealed]

`--sealed` measures the sealed sets (tests/nlu/sealed_{fr,en}.yml) instead: run once, at the
end of a piece of NLU work, never while tuning.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from sklearn.metrics import f1_score

from bot.nlu.crisis import default_rules, is_crisis_intent
from bot.ops.evaluation import credited_intent, load_labelled, needs_report, parse_all
from bot.ops.training import ensure_model
from bot.ops.understand import load_agent
from bot.settings import ROOT


def main(argv: list[str]) -> None:
    languages = [a for a in argv if not a.startswith("--")] or ["fr", "en"]
    agent = load_agent(ensure_model(nlu_only="--full" not in argv))
    for language in languages:
        paths = (
            [ROOT / "tests" / "nlu" / f"sealed_{language}.yml"]
            if "--sealed" in argv
            else [
                ROOT / "tests" / "nlu" / f"unseen_{part}_{language}.yml"
                for part in ("needs", "crisis")
            ]
        )
        examples = load_labelled(paths)
        parses = asyncio.run(parse_all(agent, [e.text for e in examples]))
        report = needs_report(examples, parses)
        gold = [e.intent for e in examples]
        predicted = [credited_intent(e, p) for e, p in zip(examples, parses, strict=True)]
        labels = sorted({g for g in gold if g.startswith("need_")})
        per_class = f1_score(gold, predicted, labels=labels, average=None, zero_division=0)
        report["need_f1"] = {
            label: round(float(f), 3)
            for label, f in zip(labels, per_class, strict=True)
            if f < 0.95
        }
        report["confusions"] = [
            f"{g}->{p}: {n}"
            for (g, p), n in Counter(
                (g, p) for g, p in zip(gold, predicted, strict=True) if g != p
            ).most_common(40)
        ]
        rules = default_rules()
        alarms: Counter[str] = Counter()
        for example, parse in zip(examples, parses, strict=True):
            if is_crisis_intent(example.intent) or not parse.get("crisis"):
                continue
            scan = rules.match(example.text)
            source = "rule" if scan.kinds else ("framed-model" if scan.framed else "model")
            alarms[f"{example.near or example.kind}: {source}"] += 1
        report["false_alarm_sources"] = dict(sorted(alarms.items()))
        missed: Counter[str] = Counter(
            f"{e.intent} {e.kind}"
            for e, p in zip(examples, parses, strict=True)
            if is_crisis_intent(e.intent) and not p.get("crisis")
        )
        report["missed_crises"] = dict(sorted(missed.items()))
        print(f"== {language}")
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
