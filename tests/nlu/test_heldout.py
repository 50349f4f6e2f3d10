"""Held-out evaluation of the whole NLU pipeline (trained model + rule components).

Trains the NLU model once if missing (cached by content hash under models/, minutes on 2
cores), then parses `tests/nlu/heldout_{fr,en}.yml` — never trained on. Issue #5 targets:
macro-F1 ≥ 0.92, crisis recall ≥ 0.98, language accuracy ≥ 0.98 (this last one is measured on
`tests/nlu/languages.yml` by test_language.py: the held-out files mix in code-switched lines and
bare place names, whose language is undecidable by design). The floors asserted below are the
figures reached so far less a small margin, to catch regressions (reached: macro-F1 0.935 FR /
0.938 EN, crisis recall 0.984 / 1.0, false alarms 2.0 % / 2.6 %); the report prints on failure.
Same data with Rasa's own report:
    .venv/bin/rasa test nlu --config bot/config.yml --nlu tests/nlu/heldout_fr.yml \
        --model models/relais-nlu-<hash>.tar.gz --out var/nlu-report-fr
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.evaluation import evaluate, load_labelled

pytestmark = pytest.mark.slow

HELDOUT = Path(__file__).resolve().parent

MACRO_F1_FLOOR = 0.91
CRISIS_RECALL_FLOOR = 0.975
FALSE_ALARM_CEILING = 0.04


@pytest.mark.parametrize("language", ["fr", "en"])
def test_heldout(trained_agent, language):
    result = evaluate(trained_agent, HELDOUT / f"heldout_{language}.yml")
    print(result.summary())
    details = f"{result.summary()}\n{result.report}\n" + "\n".join(
        f"{e['gold']} -> {e['predicted']}: {e['text']}" for e in result.errors
    )
    assert result.macro_f1 >= MACRO_F1_FLOOR, details
    assert result.crisis_recall >= CRISIS_RECALL_FLOOR, details
    assert result.false_alarm_rate <= FALSE_ALARM_CEILING, details


BLIND_FALSE_ALARM_CEILING = 0.05
"""The blind sets hold 49 idioms per language on purpose ("these bills are killing me"), so
their false-alarm rate runs higher (reached: 1.6 % FR, 3.9 % EN)."""


@pytest.mark.parametrize("language", ["fr", "en"])
def test_blind(trained_agent, language):
    """The blind sets (docs/evaluation.md), written without reading the training data."""
    result = evaluate(trained_agent, HELDOUT / f"blind_{language}.yml")
    print(result.summary())
    assert result.macro_f1 >= MACRO_F1_FLOOR, result.summary()
    assert result.crisis_recall >= CRISIS_RECALL_FLOOR, result.summary()
    assert result.false_alarm_rate <= BLIND_FALSE_ALARM_CEILING, result.summary()


UNSEEN_FLOORS = {
    # language: (need macro-F1 floor, crisis recall floor, false-alarm ceiling): the figures
    # reached on the unseen sets less a small margin. Reached 2026-12-06 (sixth stop) through
    # the real pipeline: FR 0.908 / 0.985 / 2.3 %, EN 0.920 / 0.985 / 2.5 % (fourth and fifth
    # stops: 0.909 / 0.985 / 2.3 %, EN 0.917 / 0.985 / 2.5 %; third stop: 0.904
    # and 0.916; second stop: 0.906 and 0.918, same recall and alarms; 2026-12-04: 0.889 / 0.985 /
    # 2.6 % and 0.900 / 0.985 / 2.0 %; 2026-12-03: 0.837 / 0.963 / 4.5 % and 0.839 / 0.977 /
    # 5.0 %; at first 0.772 / 0.970 / 14.0 % and 0.772 / 0.977 / 16.5 %). The need
    # target (0.92) is met in English, not yet in French; crisis recall and alarms are met.
    "fr": (0.89, 0.975, 0.035),
    "en": (0.91, 0.975, 0.03),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_unseen(trained_agent, language):
    """The unseen sets (issue #14), written by someone who never saw `data/nlu`. Blind: the
    failure message holds only aggregate figures, never a line of them."""
    from bot.ops.evaluation import evaluate_unseen

    report = evaluate_unseen(
        trained_agent,
        [HELDOUT / f"unseen_{part}_{language}.yml" for part in ("needs", "crisis")],
    )
    figures = {k: report[k] for k in ("need_macro_f1", "crisis_recall", "false_alarm_rate")}
    details = f"{figures} {report['hard_negative_false_alarms']} {report['confusions']}"
    f1_floor, recall_floor, alarm_ceiling = UNSEEN_FLOORS[language]
    assert report["need_macro_f1"] >= f1_floor, details
    assert report["crisis_recall"] >= recall_floor, details
    assert report["false_alarm_rate"] <= alarm_ceiling, details


DETAILS_RECALL_FLOOR = 0.85
"""Questions about the cards shown (`heldout_details_*.yml`, written apart from the training
lines): reached 0.92 FR (55/60) and 0.88 EN (44/50) on 2026-12-06; neighbours (a new need with
an hour or a cost, a request to switch language, a bot challenge) kept: 25/28 FR, 24/25 EN."""


@pytest.mark.parametrize("language", ["fr", "en"])
def test_questions_about_the_cards(trained_agent, language):
    from collections import Counter

    path = HELDOUT / f"heldout_details_{language}.yml"
    result = evaluate(trained_agent, path)
    wrong = Counter(e["gold"] for e in result.errors)
    asked = sum(1 for e in load_labelled([path]) if e.intent == "ask_service_details")
    details = "\n".join(f"{e['gold']} -> {e['predicted']}: {e['text']}" for e in result.errors)
    assert 1 - wrong["ask_service_details"] / asked >= DETAILS_RECALL_FLOOR, details
    neighbours = result.n - asked
    assert 1 - (len(result.errors) - wrong["ask_service_details"]) / neighbours >= 0.85, details
    stolen = [e for e in result.errors if e["predicted"] == "ask_service_details"]
    assert len(stolen) <= 1, details
