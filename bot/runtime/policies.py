"""Skip TED and memoization when a rule already decides the next action.

Rasa runs every policy for every action it predicts (2–3 per message), then keeps the most
confident prediction, the higher priority winning a tie (`RulePolicy` 6 > `MemoizationPolicy`
3 > `TEDPolicy` 1). A rule that predicts with confidence 1.0 therefore always wins, and TED's
inference — most of the prediction time — is thrown away. Our dialogue is rule-driven, so this
is the common case: `RulePolicy` notes its decision on the tracker, and the other policies
return an empty prediction when a rule has decided (the patches that do it are fenced in
`bot.runtime.patches`). The chosen action, its events and the policy name are the same as
without the shortcut.

The shortcut only applies when `RulePolicy` runs before the other policies in the graph (it
does in Rasa 3.6: nodes run in config order); otherwise every policy runs as before.
"""

from __future__ import annotations

from typing import Any

DECISION_ATTRIBUTE = "_relais_rule_decided"


def _rejected_action(tracker: Any) -> str | None:
    """The action whose execution was rejected last, as the ensemble computes it."""
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected

    for event in reversed(tracker.events):
        if isinstance(event, ActionExecutionRejected):
            return event.action_name
        if isinstance(event, ActionExecuted):
            return None
    return None


def rule_decides(prediction: Any, tracker: Any, domain: Any) -> bool:
    """Whether no other policy can beat this `RulePolicy` prediction in the ensemble."""
    if prediction.max_confidence < 1.0 or prediction.is_end_to_end_prediction:
        return False
    rejected = _rejected_action(tracker)
    if rejected is None:
        return True
    # the ensemble zeroes the rejected action in every prediction before choosing
    return domain.action_names_or_texts[prediction.max_confidence_index] != rejected


def _mark(tracker: Any, decided: bool, priority: int) -> None:
    setattr(tracker, DECISION_ATTRIBUTE, (len(tracker.events), decided, priority))


def mark_rule_decision(prediction: Any, tracker: Any, domain: Any) -> None:
    """Note on the tracker whether `RulePolicy`'s prediction decides this step."""
    _mark(tracker, rule_decides(prediction, tracker, domain), prediction.policy_priority)


def decided_by_rule(tracker: Any, priority: int) -> bool:
    """Whether a rule decided the prediction being made for `tracker` now, over a policy of
    this (lower) priority."""
    mark = getattr(tracker, DECISION_ATTRIBUTE, None)
    if not mark:
        return False
    length, decided, rule_priority = mark
    return decided and length == len(tracker.events) and priority < rule_priority
