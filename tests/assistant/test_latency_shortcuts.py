"""The rule-first shortcut keeps behaviour: a skipped policy could not have changed anything."""

from __future__ import annotations

from types import SimpleNamespace

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered

from bot.runtime import policies as rule_first
from bot.settings import DOMAIN_PATH


def _prediction(confidence: float, index: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        max_confidence=confidence, max_confidence_index=index, is_end_to_end_prediction=False
    )


def test_rule_decides_only_when_nothing_can_beat_it():
    domain = Domain.load(str(DOMAIN_PATH))
    search = domain.index_for_action("action_search_services")
    tracker = SimpleNamespace(events=[UserUttered("Laval"), ActionExecuted("referral_form")])
    assert rule_first.rule_decides(_prediction(1.0, search), tracker, domain)
    assert not rule_first.rule_decides(_prediction(0.3, search), tracker, domain)
    rejected = SimpleNamespace(
        events=[*tracker.events, ActionExecutionRejected("action_search_services")]
    )
    assert not rule_first.rule_decides(_prediction(1.0, search), rejected, domain)


def test_decision_holds_for_this_prediction_and_lower_priorities_only():
    tracker = SimpleNamespace(events=[UserUttered("bonjour")])
    rule_first._mark(tracker, True, 6)
    assert rule_first.decided_by_rule(tracker, 1) and rule_first.decided_by_rule(tracker, 3)
    assert not rule_first.decided_by_rule(tracker, 6)
    tracker.events.append(ActionExecuted("utter_greet"))  # the next prediction: undecided
    assert not rule_first.decided_by_rule(tracker, 1)
