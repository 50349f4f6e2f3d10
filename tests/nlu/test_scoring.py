"""How the unseen sets are scored (bot/ops/evaluation.py): pure, no model."""

from __future__ import annotations

from bot.ops.evaluation import Example, credited_intent, needs_report

LAWYER_APPEAL = Example(
    text="I need a lawyer for my immigration appeal in Laval",
    intent="need_immigration",
    kind="multi",
    also=("need_legal",),
)


def parse(intent: str, needs: list[str], crisis: str | None = None) -> dict:
    return {"intent": {"name": intent, "confidence": 0.8}, "needs": needs, "crisis": crisis}


def test_a_message_with_several_needs_is_right_on_any_of_them_when_all_are_served() -> None:
    both = ["legal", "immigration"]
    assert credited_intent(LAWYER_APPEAL, parse("need_legal", both)) == "need_immigration"
    assert credited_intent(LAWYER_APPEAL, parse("need_immigration", both)) == "need_immigration"


def test_a_need_left_unserved_is_not_credited() -> None:
    assert credited_intent(LAWYER_APPEAL, parse("need_legal", ["legal"])) == "need_legal"
    assert credited_intent(LAWYER_APPEAL, parse("need_family", ["family", "legal"])) == (
        "need_family"
    )


def test_a_single_need_message_is_scored_as_it_is() -> None:
    plain = Example(text="banque alimentaire à Laval", intent="need_food")
    assert credited_intent(plain, parse("need_housing", ["housing", "food"])) == "need_housing"


def test_report_counts_served_needs_and_false_alarms() -> None:
    calm = Example(text="groupe de deuil", intent="need_mental_health", kind="hard_negative",
                   near="suicide")  # fmt: skip
    crisis = Example(text="je veux mourir", intent="crisis_suicide", kind="crisis_plain")
    report = needs_report(
        [LAWYER_APPEAL, calm, crisis],
        [
            parse("need_legal", ["legal", "immigration"]),
            parse("crisis_suicide", [], crisis="suicide"),
            parse("crisis_suicide", [], crisis="suicide"),
        ],
    )
    assert report["several_needs_served"] == 1.0
    assert report["accuracy_by_kind"]["multi"] == 1.0
    assert report["crisis_recall"] == 1.0
    assert report["false_alarm_rate"] == 0.5
    assert report["hard_negative_false_alarms"] == {"suicide": 1.0}
