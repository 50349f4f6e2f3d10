"""`actions/handoff.py` with rasa-sdk trackers (no Rasa): consent, queue, after hours."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff as action
from bot.handoff.store import HandoffStore
from tests.assistant.conftest import LAVAL

OPEN = "2024-06-24T10:00:00-04:00"  # Fête nationale, 10 h: open (holidays included)
CLOSED = "2024-06-24T22:00:00-04:00"


def tracker(intent: str, *, slots: dict[str, Any] | None = None, after: str | None = None,
            events: list[dict[str, Any]] | None = None) -> Tracker:  # fmt: skip
    """A tracker whose latest message has `intent`, answered after action `after`."""
    history = [*(events or [])]
    if after:
        history += [
            {"event": "action", "name": after},
            {"event": "action", "name": "action_listen"},
        ]
    history.append({"event": "user", "text": intent, "timestamp": 1000.0,
                    "parse_data": {"intent": {"name": intent}}, "input_channel": "socketio"})  # fmt: skip
    return Tracker.from_dict(
        {
            "sender_id": "person-1",
            "slots": {"language": "fr", **(slots or {})},
            "latest_message": {"text": intent, "intent": {"name": intent}, "entities": []},
            "events": history,
            "paused": False,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RELAIS_DATABASE_URL", sqlite_url)
    from bot.settings import get_settings

    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


async def run(act: Any, track: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await act.run(dispatcher, track, {})
    return dispatcher.messages, events


async def test_asks_consent_first(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    messages, events = await run(action.ActionHandoff(), tracker("ask_human"))
    assert "Êtes-vous d'accord" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert events == [SlotSet("handoff_stage", "consent")]


async def test_yes_queues_pauses_and_says_the_wait(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    cards = {"event": "bot", "data": {"custom": {"type": "service_results", "cards": [
        {"service_id": "s1", "name": "Moisson", "phone": "514-555-0100"}]}}}  # fmt: skip
    track = tracker("affirm", after="action_handoff", events=[cards],
                    slots={"handoff_stage": "consent", "need": "food", "place": LAVAL})  # fmt: skip
    messages, events = await run(action.ActionHandoff(), track)
    assert messages[0]["response"] == "utter_handoff_queued"
    assert "1re dans la file" in messages[1]["text"] and "min" in messages[1]["text"]
    assert events == [SlotSet("handoff_stage", None), ConversationPaused()]
    from bot.handoff.escalation import get_store

    store: HandoffStore = await get_store(db)
    [item] = await store.open_escalations()
    assert (item["need"], item["municipality"], item["channel"]) == ("food", "65005", "socketio")
    assert item["services"] == [{"service_id": "s1", "name": "Moisson", "phone": "514-555-0100"}]
    assert item["last_event_ts"] == 1000.0 and item["reason"] == "asked"
    await store.engine.dispose()


async def test_no_database_gives_the_211_line_and_no_pause(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    async def broken(**_: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    monkeypatch.setattr(action, "enqueue", broken)
    track = tracker("affirm", after="action_handoff", slots={"handoff_stage": "consent"})
    messages, events = await run(action.ActionHandoff(), track)
    assert [m["response"] for m in messages] == ["utter_handoff"]
    assert events == [SlotSet("handoff_stage", None)]


async def test_no_keeps_the_bot(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    track = tracker("deny", after="action_handoff", slots={"handoff_stage": "consent"})
    messages, events = await run(action.ActionHandoff(), track)
    assert "je ne partage rien" in messages[0]["text"]
    assert events == [SlotSet("handoff_stage", None)]


async def test_a_yes_to_another_question_is_not_consent(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    track = tracker("affirm", after="utter_offer_counsellor", slots={"handoff_stage": "consent"})
    _, events = await run(action.ActionHandoff(), track)
    assert events == [SlotSet("handoff_stage", "consent")]  # asks, does not queue


async def test_after_hours_crisis_gets_lines_and_callback_offer(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", CLOSED)
    track = tracker("affirm", after="action_handoff",
                    slots={"handoff_stage": "consent", "crisis": "suicide", "language": "en"})  # fmt: skip
    messages, events = await run(action.ActionHandoff(), track)
    text = "\n".join(m["text"] for m in messages)
    assert "8 a.m. to 6 p.m." in text and "tomorrow at 8 a.m." in text
    assert "1-866-277-3553" in text and "911" in text
    assert "call you or text you" in messages[-1]["text"]
    assert events == [SlotSet("handoff_stage", "callback_offer")]

    yes = tracker("affirm", after="action_handoff", slots={"handoff_stage": "callback_offer"})
    _, events = await run(action.ActionHandoff(), yes)
    assert events == [SlotSet("handoff_stage", None), FollowupAction("handoff_callback_form")]


@pytest.mark.parametrize("intent", ["greet", "ask_human"])
async def test_waiting_at_the_callback_offer_hears_the_hours_and_the_offer_again(
    db: str, monkeypatch: pytest.MonkeyPatch, intent: str
) -> None:
    """ "hello?" or "I want to talk to someone" at the offer is no "no": it was taken as one,
    and the person waiting heard that no callback would come."""
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", CLOSED)
    slots = {"handoff_stage": "callback_offer", "language": "en"}
    messages, events = await run(
        action.ActionHandoff(), tracker(intent, after="action_handoff", slots=slots)
    )
    assert "tomorrow at 8 a.m." in messages[0]["text"]
    assert "call you or text you" in messages[-1]["text"]
    assert events == [SlotSet("handoff_stage", "callback_offer")]
    no = tracker("deny", after="action_handoff", slots=slots)
    messages, events = await run(action.ActionHandoff(), no)
    assert events == [SlotSet("handoff_stage", None)] and "call you" not in messages[-1]["text"]


async def test_callback_form_validates_and_stores(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", CLOSED)
    form = action.ValidateHandoffCallbackForm()
    dispatcher = CollectingDispatcher()
    track = tracker("chitchat")
    bad = await form.validate_callback_phone("pas de numéro", dispatcher, track, {})
    assert bad == {"callback_phone": None} and "indicatif" in dispatcher.messages[0]["text"]
    good = await form.validate_callback_phone("(514) 872-1111", dispatcher, track, {})
    assert good == {"callback_phone": "+15148721111"}
    assert await form.validate_callback_contact("sms", dispatcher, track, {}) == {
        "callback_contact": "sms"
    }
    assert await form.validate_callback_language("English", dispatcher, track, {}) == {
        "callback_language": "en"
    }
    done = tracker("chitchat", slots={"callback_phone": "+15148721111", "callback_contact": "sms",
                                      "callback_language": "en", "callback_best_time": "9 h",
                                      "crisis": "violence"})  # fmt: skip
    messages, events = await run(action.ActionHandoffCallback(), done)
    assert "(514) 872-1111" in messages[0]["text"] and "texto" in messages[0]["text"]
    assert "demain à 8 h" in messages[0]["text"]
    assert all(e["value"] is None for e in events)
    from bot.handoff.escalation import get_store

    store = await get_store(db)
    [row] = await store.callbacks()
    assert (row["phone"], row["contact"], row["language"], row["crisis"]) == (
        "+15148721111", "sms", "en", "violence")  # fmt: skip
    await store.engine.dispose()


@pytest.mark.parametrize("intent", ["affirm", "ask_human"])
async def test_in_a_crisis_one_yes_queues_at_once_first_in_line(
    db: str, monkeypatch: pytest.MonkeyPatch, intent: str
) -> None:
    """A person in crisis who says yes to "talk to a counsellor now?" (or asks for one) is
    queued at once, urgent: no second consent question."""
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    track = tracker(intent, after="utter_offer_counsellor",
                    slots={"crisis": "suicide", "need": "mental_health", "place": LAVAL})  # fmt: skip
    messages, events = await run(action.ActionHandoff(), track)
    text = "\n".join(m.get("text") or m.get("response") or "" for m in messages)
    assert "Êtes-vous d'accord" not in text and "priorité" in text
    assert events == [SlotSet("handoff_stage", None), ConversationPaused()]
    from bot.handoff.escalation import get_store

    store = await get_store(db)
    [row] = await store.open_escalations()
    assert (row["crisis"], row["reason"], row["needs"]) == ("suicide", "crisis", ["mental_health"])
    await store.engine.dispose()


async def test_without_a_crisis_the_offer_still_asks_consent(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    track = tracker("affirm", after="utter_offer_counsellor")
    messages, events = await run(action.ActionHandoff(), track)
    assert "Êtes-vous d'accord" in messages[0]["text"]
    assert events == [SlotSet("handoff_stage", "consent")]


async def test_a_fourth_escalation_in_an_hour_gets_a_polite_no_and_others_still_queue(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three escalations an hour per conversation (RELAIS_LIMIT_ESCALATIONS_PER_HOUR): the
    fourth is refused with when to ask again (and the crisis lines in a crisis), nothing
    stored; another conversation still joins the queue."""
    from bot.handoff.escalation import get_store

    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    store = await get_store(db)
    yes = tracker("affirm", after="action_handoff", slots={"handoff_stage": "consent", "crisis": "violence"})  # fmt: skip
    for _ in range(3):
        messages, events = await run(action.ActionHandoff(), yes)
        assert events[-1] == ConversationPaused()
        [item] = await store.open_escalations()
        await store.close(item["id"], "resolved")
    messages, events = await run(action.ActionHandoff(), yes)
    assert events == [SlotSet("handoff_stage", None)]
    assert "dans 60 min" in messages[0]["text"]
    assert "1-866-APPELLE" in messages[1]["text"]
    assert await store.open_escalations() == []
    other = Tracker.from_dict({**yes.current_state(), "sender_id": "person-2"})
    messages, events = await run(action.ActionHandoff(), other)
    assert events[-1] == ConversationPaused()
    await store.engine.dispose()


async def test_a_fourth_callback_to_one_phone_in_a_day_is_not_stored(db: str) -> None:
    from bot.handoff.escalation import get_store

    slots = {"callback_phone": "+15148721111", "callback_contact": "phone"}
    for _ in range(3):
        messages, _events = await run(
            action.ActionHandoffCallback(), tracker("chitchat", slots=slots)
        )
        assert "(514) 872-1111" in messages[0]["text"]
    messages, events = await run(action.ActionHandoffCallback(), tracker("chitchat", slots=slots))
    assert "plusieurs demandes de rappel" in messages[0]["text"]
    assert all(e["value"] is None for e in events)
    store = await get_store(db)
    assert len(await store.callbacks()) == 3
    other = {**slots, "callback_phone": "+15148722222"}
    messages, _events = await run(action.ActionHandoffCallback(), tracker("chitchat", slots=other))
    assert "(514) 872-2222" in messages[0]["text"]
    await store.engine.dispose()


def asked(slot: str, text: str, intent: str, confidence: float = 0.9) -> Tracker:
    """A tracker where the callback form asks `slot` and the person wrote `text`."""
    track = tracker(intent, slots={"requested_slot": slot})
    track.latest_message = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    return track


@pytest.mark.parametrize(
    ("slot", "text", "intent", "taken", "confidence"),
    [
        ("callback_phone", "514 872-1111", "nlu_fallback", True, 0.5),
        ("callback_phone", "pas de numéro", "chitchat", True, 0.5),  # the form says it is no number
        # "jveux mourir" got "I didn't recognize that number": the crisis line comes first
        ("callback_phone", "jveux mourir", "crisis_suicide", False, 0.5),
        ("callback_best_time", "il me frappe", "crisis_violence", False, 0.5),
        ("callback_phone", "actually I just need a food bank", "need_food", False, 0.5),
        ("callback_phone", "non finalement", "deny", False, 0.5),
        ("callback_contact", "un texto", "deny", True, 0.5),
        ("callback_contact", "non", "deny", False, 0.5),
        # "en" in "de l'aide en santé mentale" is no language asked
        ("callback_language", "de l'aide en santé mentale", "need_mental_health", False, 0.9),
        ("callback_language", "English", "need_education", True, 0.5),
        ("callback_best_time", "demain matin", "need_unspecified", True, 0.5),
        ("callback_best_time", "non", "deny", True, 0.5),
    ],
)
async def test_what_is_no_answer_to_the_callback_leaves_it_to_the_rules(
    slot: str, text: str, intent: str, taken: bool, confidence: float
) -> None:
    form = action.ValidateHandoffCallbackForm()
    extract = getattr(form, f"extract_{slot}")
    got = await extract(CollectingDispatcher(), asked(slot, text, intent, confidence), {})
    assert got == ({slot: text} if taken else {})
    # another slot's turn: nothing is taken for this one
    other = "callback_best_time" if slot != "callback_best_time" else "callback_phone"
    assert await extract(CollectingDispatcher(), asked(other, text, intent), {}) == {}


@pytest.mark.parametrize(
    ("text", "intent", "language", "value"),
    [
        ("ok bye", "goodbye", "en", "any time"),  # a tester: saved as the time to call
        ("merci!", "thanks", "fr", "n'importe quand"),
        ("demain matin merci", "ask_service_details", "fr", "demain matin merci"),
    ],
)
async def test_a_goodbye_at_the_best_time_question_is_no_preference(
    text: str, intent: str, language: str, value: str
) -> None:
    track = asked("callback_best_time", text, intent, 0.9)
    track.slots["language"] = language
    form = action.ValidateHandoffCallbackForm()
    got = await form.extract_callback_best_time(CollectingDispatcher(), track, {})
    assert got == {"callback_best_time": value}


async def test_never_mind_drops_the_callback_and_says_what_is_still_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", CLOSED)
    track = tracker("deny", slots={"callback_phone": "+15148721111"})
    messages, events = await run(action.ActionCallbackCancelled(), track)
    assert "8 h" in messages[0]["text"] and "18 h" in messages[0]["text"]
    assert {e["name"] for e in events} == set(action.CALLBACK_SLOTS)
    assert all(e["value"] is None for e in events)


async def test_asking_for_a_person_again_at_the_question_is_a_yes(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tester: "non pas un robot, une vraie personne du 211" at the question."""
    monkeypatch.setenv("RELAIS_HANDOFF_NOW", OPEN)
    track = tracker("ask_human", after="action_handoff", slots={"handoff_stage": "consent"})
    messages, events = await run(action.ActionHandoff(), track)
    assert messages[0]["response"] == "utter_handoff_queued"
    assert events == [SlotSet("handoff_stage", None), ConversationPaused()]
