"""The tracker → widget conversation conversion (bot/web/widget_history.py)."""

from __future__ import annotations

from bot.texts import t
from bot.web.widget_history import conversation_messages, conversation_view

BUTTONS = [{"title": "Alimentation", "payload": "/need_food"}]


def bot(text: str, **data: object) -> dict:
    return {"event": "bot", "text": text, "data": data, "metadata": {}}


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def test_payloads_show_as_what_the_person_clicked_and_hidden_ones_vanish() -> None:
    events = [
        user('/greet{"language":"fr"}'),
        bot("Bonjour!", buttons=BUTTONS),
        user("/need_food"),
        user("/ask_human"),
        user('/provide_place{"lat":45.5,"lon":-73.6}'),
        user('/change_language{"language":"en"}'),
        user("/need_housing"),  # a payload no button offered: not shown
    ]
    messages = conversation_messages(events, "fr")
    assert messages == [
        {"from": "bot", "text": "Bonjour!", "buttons": BUTTONS},
        {"from": "user", "text": "Alimentation"},
        {"from": "user", "text": t("widget.ui.counsellor", "fr")},
        {"from": "user", "text": t("widget.ui.location_shared", "fr")},
    ]


def test_cards_and_counsellor_messages() -> None:
    cards = {"type": "service_results", "cards": [{"name": "Banque"}]}
    events = [
        user("faim à Laval"),
        bot("Voici :", custom=cards),
        bot("Bonjour, ici Julie", custom={"type": "counsellor_message", "name": "Julie"}),
        {"event": "bot", "text": "Je regarde", "metadata": {"author": "counsellor", "name": "Léa"}},
        bot("", custom={"data": {"type": "counsellor_message", "name": "Max", "text": "Salut"}}),
    ]
    assert conversation_messages(events, "fr") == [
        {"from": "user", "text": "faim à Laval"},
        {"from": "bot", "text": "Voici :"},
        {"from": "bot", "custom": cards},
        {"from": "counsellor", "name": "Julie", "text": "Bonjour, ici Julie"},
        {"from": "counsellor", "name": "Léa", "text": "Je regarde"},
        {"from": "counsellor", "name": "Max", "text": "Salut"},
    ]


def test_a_restart_forgets_what_came_before() -> None:
    events = [user("avant"), {"event": "restart"}, user("après")]
    assert conversation_messages(events, "fr") == [{"from": "user", "text": "après"}]


def test_view_language_and_pause() -> None:
    chosen = [{"event": "slot", "name": "language", "value": "en"}]
    view = conversation_view({"slots": {"language": "en"}, "paused": True, "events": chosen})
    assert view == {"language": "en", "paused": True, "messages": []}
    assert conversation_view({"slots": {"language": "es"}, "events": chosen})["language"] is None


def test_the_slots_initial_language_is_not_a_choice() -> None:
    """A conversation just begun, restarted or erased: the slot's initial value (fr) is not
    the person's language, and the widget must not switch to it."""
    fresh = {"slots": {"language": "fr"}, "events": [{"event": "action", "name": "action_listen"}]}
    assert conversation_view(fresh)["language"] is None
