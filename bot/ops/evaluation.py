"""NLU evaluation on held-out data, with the figures the project tracks.

`evaluate(agent, path)` parses every example of a Rasa NLU file (`tests/nlu/heldout_fr.yml`…)
with the bot's own pipeline and returns intent macro-F1, crisis recall (any `crisis_*` example
flagged as a crisis by the final pipeline, i.e. after the CrisisGuard), the false-alarm rate
(non-crisis examples flagged as a crisis), and language accuracy against the file's language.
`rasa test nlu` gives the classic report on the same files; this module adds what it lacks
(crisis and language figures) and is what `tests/nlu/test_heldout.py` and `bench/nlu.py` use.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sklearn.metrics import classification_report, f1_score

from bot.nlu.crisis import is_crisis_intent


@dataclass
class Evaluation:
    """The figures of one held-out file."""

    language: str
    n: int
    macro_f1: float
    accuracy: float
    crisis_recall: float
    crisis_kind_recall: float
    false_alarm_rate: float
    language_accuracy: float
    report: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "n": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "crisis_recall": round(self.crisis_recall, 4),
            "crisis_kind_recall": round(self.crisis_kind_recall, 4),
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "language_accuracy": round(self.language_accuracy, 4),
        }


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU file."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).intent_examples]


async def parse_all(agent: Any, texts: list[str]) -> list[dict]:
    return [await agent.parse_message(text) for text in texts]


def evaluate(agent: Any, path: Path, language: str | None = None) -> Evaluation:
    """Parse every example of `path` and compute the figures (language from `*_<xx>.yml`)."""
    language = language or path.stem.rsplit("_", 1)[-1]
    examples = load_examples(path)
    parses = asyncio.run(parse_all(agent, [text for text, _ in examples]))
    return score(language, examples, parses)


def score(language: str, examples: list[tuple[str, str]], parses: list[dict]) -> Evaluation:
    """The figures from gold examples and the pipeline's parses (same order)."""
    gold = [intent for _, intent in examples]
    predicted = [(p.get("intent") or {}).get("name") or "none" for p in parses]
    labels = sorted(set(gold))
    crisis_gold = [i for i, g in enumerate(gold) if is_crisis_intent(g)]
    other_gold = [i for i, g in enumerate(gold) if not is_crisis_intent(g)]
    flagged = [bool(p.get("crisis")) for p in parses]
    errors = [
        {"text": text, "gold": g, "predicted": pr, "crisis": p.get("crisis")}
        for (text, g), pr, p in zip(examples, predicted, parses, strict=False)
        if g != pr
    ]
    return Evaluation(
        language=language,
        n=len(examples),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=sum(g == p for g, p in zip(gold, predicted, strict=False)) / max(1, len(gold)),
        crisis_recall=sum(flagged[i] for i in crisis_gold) / max(1, len(crisis_gold)),
        crisis_kind_recall=sum(
            parses[i].get("crisis") == gold[i][len("crisis_") :] for i in crisis_gold
        )
        / max(1, len(crisis_gold)),
        false_alarm_rate=sum(flagged[i] for i in other_gold) / max(1, len(other_gold)),
        language_accuracy=sum(p.get("language") == language for p in parses) / max(1, len(parses)),
        report=classification_report(gold, predicted, labels=labels, zero_division=0),
        errors=errors,
    )


@dataclass(frozen=True)
class Example:
    """One labelled message of an evaluation set, with its file's markers."""

    text: str
    intent: str
    kind: str = "plain"
    near: str | None = None
    """For a hard negative: the crisis kind it could be mistaken for."""
    also: tuple[str, ...] = ()
    """For a message with several needs: the other needs (intents)."""


def load_labelled(paths: list[Path]) -> list[Example]:
    """The examples of Rasa NLU files, with `kind`, `near` and `also` (docs/evaluation.md)."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in paths:
        for message in load_data(str(path)).intent_examples:
            metadata = message.get("metadata") or {}
            block, item = metadata.get("intent") or {}, metadata.get("example") or {}
            examples.append(
                Example(
                    text=message.get("text"),
                    intent=message.get("intent"),
                    kind=str(block.get("kind") or "plain"),
                    near=block.get("near"),
                    also=tuple(item.get("also") or ()),
                )
            )
    return examples


def credited_intent(example: Example, parse: dict) -> str:
    """The intent a parse is scored as. A message that states several needs ("a lawyer for my
    immigration appeal") is right when its top intent is any of them AND every one of them is
    served (in the parse's `needs`): the reply then covers each, whichever comes first."""
    name = str((parse.get("intent") or {}).get("name") or "none")
    if not example.also or name == example.intent:
        return name
    stated = (example.intent, *example.also)
    served = parse.get("needs") or []
    if name in stated and all(n.removeprefix("need_") in served for n in stated):
        return example.intent
    return name


def needs_report(examples: list[Example], parses: list[dict]) -> dict[str, Any]:
    """The figures of an unseen set: need macro-F1, crisis recall, false alarms (hard
    negatives included), several needs served, and the confusions that remain."""
    from collections import Counter

    gold = [e.intent for e in examples]
    predicted = [credited_intent(e, p) for e, p in zip(examples, parses, strict=True)]
    flagged = [bool(p.get("crisis")) for p in parses]
    need_labels = sorted({g for g in gold if g.startswith("need_")})
    crises = [i for i, g in enumerate(gold) if is_crisis_intent(g)]
    calm = [i for i, g in enumerate(gold) if not is_crisis_intent(g)]
    hard = [i for i, e in enumerate(examples) if e.kind == "hard_negative"]
    multi = [i for i, e in enumerate(examples) if e.also]
    by_kind: dict[str, list[bool]] = {}
    for example, wanted, got in zip(examples, gold, predicted, strict=True):
        by_kind.setdefault(example.kind, []).append(wanted == got)
    by_near: dict[str, list[bool]] = {}
    for i in hard:
        by_near.setdefault(str(examples[i].near), []).append(flagged[i])
    served = [
        all(
            also.removeprefix("need_") in (parses[i].get("needs") or [])
            for also in examples[i].also
        )
        for i in multi
    ]

    def share(values: list[bool]) -> float:
        return round(sum(values) / max(1, len(values)), 4)

    return {
        "n": len(examples),
        "need_macro_f1": round(float(f1_score(gold, predicted, labels=need_labels, average="macro",
                                              zero_division=0)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=sorted(set(gold)),
                                         average="macro", zero_division=0)), 4),
        "accuracy": share([g == p for g, p in zip(gold, predicted, strict=True)]),
        "crisis_recall": share([flagged[i] for i in crises]),
        "crisis_kind_recall": share(
            [parses[i].get("crisis") == gold[i].removeprefix("crisis_") for i in crises]
        ),
        "false_alarm_rate": share([flagged[i] for i in calm]),
        "hard_negative_false_alarms": {near: share(v) for near, v in sorted(by_near.items())},
        "several_needs_served": share(served),
        "accuracy_by_kind": {kind: share(v) for kind, v in sorted(by_kind.items())},
        "confusions": [
            {"gold": g, "predicted": p, "count": n}
            for (g, p), n in Counter(
                (g, p) for g, p in zip(gold, predicted, strict=True) if g != p
            ).most_common(15)
        ],
    }  # fmt: skip


def evaluate_unseen(agent: Any, paths: list[Path]) -> dict[str, Any]:
    """`needs_report` of the files `paths` parsed by `agent`."""
    examples = load_labelled(paths)
    parses = asyncio.run(parse_all(agent, [e.text for e in examples]))
    return needs_report(examples, parses)
