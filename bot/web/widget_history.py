"""A Rasa tracker turned into the widget's conversation: what the person saw, in order.

The widget restores a conversation from the browser's storage, but the tracker is the source
of truth (a new device, a counsellor's messages sent while the page was closed). The person's
button clicks are stored by Rasa as payloads (`/need_food`); they are shown as the button's
title, the widget's own payloads as their label, and hidden payloads (`/greet{…}`,
`/change_language{…}`, `/restart`) not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.texts import LANGUAGES, t

WIDGET_PAYLOADS: dict[str, str] = {
    "/ask_human": "widget.ui.counsellor",
    "/provide_place": "widget.ui.location_shared",
}
"""Payloads the widget's own buttons send, and the label the person saw."""

COUNSELLOR_TYPE = "counsellor_message"


def _intent_of(payload: str) -> str:
    return payload.split("{", 1)[0].strip()


def _buttons(data: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = data.get("buttons") or data.get("quick_replies") or []
    return [
        {"title": str(b.get("title", "")), "payload": str(b["payload"])}
        for b in raw
        if isinstance(b, Mapping) and isinstance(b.get("payload"), str)
    ]


def _user_record(
    text: str, last_buttons: list[dict[str, str]], language: str
) -> dict[str, Any] | None:
    if not text.startswith("/"):
        return {"from": "user", "text": text}
    for button in last_buttons:
        if button["payload"] == text:
            return {"from": "user", "text": button["title"]}
    key = WIDGET_PAYLOADS.get(_intent_of(text))
    return {"from": "user", "text": t(key, language)} if key else None


def _counsellor_name(custom: Any, metadata: Mapping[str, Any]) -> str | None:
    """The counsellor's name when the message is a counsellor's (None for the bot)."""
    if isinstance(custom, Mapping) and custom.get("type") == COUNSELLOR_TYPE:
        return str(custom.get("name") or "")
    if metadata.get("author") == "counsellor" or metadata.get("type") == COUNSELLOR_TYPE:
        return str(metadata.get("name") or "")
    return None


def _custom(data: Mapping[str, Any]) -> Any:
    """The custom payload, unwrapped from `{"data": …}` (the shape Rasa's socket.io emits)."""
    custom = data.get("custom")
    if (
        isinstance(custom, Mapping)
        and "type" not in custom
        and isinstance(custom.get("data"), Mapping)
    ):
        return custom["data"]
    return custom


def _bot_records(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    data = event.get("data") or {}
    metadata = event.get("metadata") or {}
    text = event.get("text") or ""
    custom = _custom(data)
    name = _counsellor_name(custom, metadata if isinstance(metadata, Mapping) else {})
    if name is not None:
        body = text or (custom.get("text") if isinstance(custom, Mapping) else "") or ""
        return [{"from": "counsellor", "name": name, "text": str(body)}] if body else []
    records: list[dict[str, Any]] = []
    buttons = _buttons(data)
    if text or buttons:
        record: dict[str, Any] = {"from": "bot", "text": text}
        if buttons:
            record["buttons"] = buttons
        records.append(record)
    if isinstance(custom, Mapping):
        records.append({"from": "bot", "custom": dict(custom)})
    return records


def conversation_messages(events: Iterable[Mapping[str, Any]], language: str) -> list[dict]:
    """The messages of `events` (from the last restart on), as the widget shows them."""
    messages: list[dict[str, Any]] = []
    last_buttons: list[dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        if kind == "restart":
            messages, last_buttons = [], []
        elif kind == "user":
            record = _user_record(str(event.get("text") or ""), last_buttons, language)
            if record:
                messages.append(record)
        elif kind == "bot":
            records = _bot_records(event)
            messages.extend(records)
            buttons = _buttons(event.get("data") or {})
            if buttons:
                last_buttons = buttons
    return messages


def conversation_view(tracker: Mapping[str, Any]) -> dict[str, Any]:
    """What the widget needs from a tracker: the language, the messages, whether paused."""
    slots = tracker.get("slots") or {}
    events = tracker.get("events") or []
    language = slots.get("language") if _language_chosen(events) else None
    language = language if language in LANGUAGES else None
    return {
        "language": language,
        "paused": bool(tracker.get("paused")),
        "messages": conversation_messages(events, language or LANGUAGES[0]),
    }


def _language_chosen(events: list[Mapping[str, Any]]) -> bool:
    """Whether the conversation set its language: a conversation just begun, restarted or
    erased only has the slot's initial value, which the widget must not follow (a person
    writing English who erased their conversation would be switched to French)."""
    return any(e.get("event") == "slot" and e.get("name") == "language" for e in events)
