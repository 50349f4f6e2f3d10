"""Rasa with one Relais hook: a failed custom action still answers the person.

Rasa 3.6 swallows a custom action that fails (action server down, slow or crashing): it logs
the error and the person gets silence. `python -m bot.assistant.rasa_server run …` is the
`rasa` command with `MessageProcessor._run_action` wrapped so that custom actions and forms
run under a timeout, and a failure is answered with the `utter_service_unavailable` response
(in the person's language, with the 211 line), the form is stopped and the bot listens.
The response is rendered by Rasa itself, so it needs nothing from the action server.
`relais run` and the end-to-end tests start Rasa this way; plain `rasa run` lacks the hook.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

from bot.assistant import action_results, rule_first

log = logging.getLogger(__name__)

FALLBACK_RESPONSE = "utter_service_unavailable"
DEFAULT_TIMEOUT = 10.0
"""Seconds a custom action may take (`RELAIS_ACTION_TIMEOUT`); Rasa's own limit is 5 minutes."""


def action_timeout() -> float:
    return float(os.environ.get("RELAIS_ACTION_TIMEOUT") or DEFAULT_TIMEOUT)


async def unavailable_events(output_channel: Any, nlg: Any, tracker: Any) -> list[Any]:
    """The events that replace a failed action: the polite message, form stopped, listen."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
    from rasa.shared.core.events import ActiveLoop, FollowupAction, SlotSet

    events: list[Any] = []
    message = await nlg.generate(FALLBACK_RESPONSE, tracker, output_channel.name())
    if message:
        message["utter_action"] = FALLBACK_RESPONSE
        events.append(create_bot_utterance(message))
    if tracker.active_loop_name:
        events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
    events.append(FollowupAction(ACTION_LISTEN_NAME))
    return events


class GuardedAction:
    """A custom action or form whose failure becomes a polite message (a transparent proxy)."""

    def __init__(self, action: Any, timeout: float) -> None:
        self._action = action
        self._timeout = timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self._action, name)

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        from rasa.core.actions.action import ActionExecutionRejection

        try:
            return await asyncio.wait_for(
                self._action.run(output_channel, nlg, tracker, domain), self._timeout
            )
        except ActionExecutionRejection:
            raise  # a form declining the message is normal flow, not a failure
        except Exception:
            log.exception(
                "Action %r failed; answering with %s", self._action.name(), FALLBACK_RESPONSE
            )
            return await unavailable_events(output_channel, nlg, tracker)


def needs_guard(action: Any) -> bool:
    """Custom actions and forms call the action server; built-in ones do not."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.actions.loops import LoopAction

    return isinstance(action, (RemoteAction, LoopAction))


VALIDATE_SLOTS = "action_validate_slot_mappings"


def slot_validation_needed(tracker: Any) -> bool:
    """Whether `action_validate_slot_mappings` could change this message's slots.

    Most messages give no place and no third language: the action would then return the
    slots unchanged, so Rasa skips the call (one action-server round trip per message).
    The decision is `bot.assistant.dialogue`'s, the same code the action runs; when in
    doubt (an error), the action is called.
    """
    try:
        from bot.assistant.dialogue import slot_validation_needed as needed

        message = tracker.latest_message
        if message is None:
            return True
        parse_data = message.parse_data or {}
        return needed(
            tracker.get_slot("language"),
            message.intent_name or "",
            message.text or "",
            message.entities or [],
            parse_data.get("metadata") or message.metadata or {},
            tracker.get_slot("requested_slot"),
        )
    except Exception:
        log.warning("Could not tell whether slot validation is needed", exc_info=True)
        return True


def _guard_slot_extraction() -> None:
    """Slot validation calls the action server before any prediction: bound it in time too.

    Rasa already logs and skips a refused connection there, but a slow or hanging server
    would hold the whole turn (up to 5 minutes) or raise a timeout that fails the request.
    """
    from rasa.core.actions.action import ActionExtractSlots

    original = ActionExtractSlots._run_custom_action

    async def _run_custom_action(self, custom_action, output_channel, nlg, tracker, domain):  # type: ignore[no-untyped-def]
        if custom_action == VALIDATE_SLOTS and not slot_validation_needed(tracker):
            return []  # the action would keep the slots as extracted: spare the round trip
        try:
            return await asyncio.wait_for(
                original(self, custom_action, output_channel, nlg, tracker, domain),
                action_timeout(),
            )
        except Exception:
            log.warning("Slot validation %r failed; slots kept as extracted", custom_action)
            return []

    ActionExtractSlots._run_custom_action = _run_custom_action  # type: ignore[method-assign]


def _join_socketio_rooms() -> None:
    """python-socketio >= 5.10 made `AsyncServer.enter_room` a coroutine; Rasa 3.6's socket.io
    channel calls it without `await`, so with `session_persistence` the widget never joins its
    session room and receives no bot message at all (added by the handoff area, issue #6)."""
    import socketio

    original = socketio.AsyncServer.enter_room
    if not asyncio.iscoroutinefunction(original):
        return

    def enter_room(self, sid, room, namespace=None):  # type: ignore[no-untyped-def]
        return asyncio.ensure_future(original(self, sid, room, namespace=namespace))

    socketio.AsyncServer.enter_room = enter_room  # type: ignore[method-assign]


def _socketio_custom_json() -> None:
    """Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **json_message)`, so
    a payload such as `{"type": "service_cards", …}` raises TypeError and the widget never gets
    its cards. Keep Rasa's convention (`{"data": X}` emits X) and emit any other payload as the
    event's data."""
    from rasa.core.channels.socketio import SocketIOOutput

    if getattr(SocketIOOutput.send_custom_json, "_relais_fix", False):
        return

    async def send_custom_json(self, recipient_id, json_message, **kwargs):  # type: ignore[no-untyped-def]
        message = dict(json_message)
        room = message.pop("room", recipient_id)
        payload = message["data"] if set(message) == {"data"} else message
        await self.sio.emit(self.bot_message_evt, payload, room=room)

    send_custom_json._relais_fix = True  # type: ignore[attr-defined]
    SocketIOOutput.send_custom_json = send_custom_json  # type: ignore[method-assign]


def install() -> None:
    """Wrap `MessageProcessor._run_action` and the slot validation call (idempotent)."""
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._run_action
    if getattr(original, "_relais_guard", False):
        return
    _guard_slot_extraction()
    _join_socketio_rooms()
    _socketio_custom_json()
    rule_first.install()
    action_results.install()

    async def _run_action(self, action, tracker, output_channel, nlg, prediction):  # type: ignore[no-untyped-def]
        if needs_guard(action):
            action = GuardedAction(action, action_timeout())
        return await original(self, action, tracker, output_channel, nlg, prediction)

    _run_action._relais_guard = True  # type: ignore[attr-defined]
    MessageProcessor._run_action = _run_action  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    """`rasa` with the hook installed: same arguments as the `rasa` command."""
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
