"""A message sent again is answered, not processed twice.

A client that got no answer (a Rasa process killed mid-turn, a dropped connection, a timeout
behind a slow turn) resends its message once. If the first try had in fact run, processing the
resend would record the person's message twice and run its actions twice (two escalations, two
searches). So each client message carries an id, `metadata.message_id`; the channels make it
the message's Rasa id (`UserUttered.message_id`), and Rasa's processor, under the
conversation's lock, first looks for that id in the conversation: when it is there, the
answers that followed it are sent again and nothing is processed or recorded
(`bot.runtime.patches`, patch 4).

An id the conversation does not hold (the first try never reached the tracker) is processed as
a new message, so a resend is never lost either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered

log = logging.getLogger(__name__)

MESSAGE_ID_KEY = "message_id"
"""The key of the client's id in a message's metadata (REST body, socket.io `user_uttered`)."""

_VALID_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def client_message_id(metadata: dict[str, Any] | None) -> str | None:
    """The client's id of a message, when it gave a well-formed one."""
    value = (metadata or {}).get(MESSAGE_ID_KEY)
    return value if isinstance(value, str) and _VALID_ID.fullmatch(value) else None


def user_message(
    text: str,
    output_channel: OutputChannel,
    sender_id: str,
    input_channel: str,
    metadata: dict[str, Any] | None,
) -> UserMessage:
    """The message a channel hands to Rasa: its id is the client's, when it gave one."""
    return UserMessage(
        text,
        output_channel,
        sender_id,
        input_channel=input_channel,
        message_id=client_message_id(metadata),
        metadata=metadata,
    )


def earlier_answers(events: Iterable[Event], message_id: str) -> list[dict[str, Any]] | None:
    """The bot messages that answered the person's message `message_id` (None: never received).

    The answers are the bot utterances between that message and the person's next one, as Rasa
    sent them (`BotUttered.message()`, the dict an output channel's `send_response` takes).
    """
    answers: list[dict[str, Any]] | None = None
    for event in events:
        if isinstance(event, UserUttered):
            if answers is not None:
                break
            if event.message_id == message_id:
                answers = []
        elif answers is not None and isinstance(event, BotUttered):
            answers.append(event.message())
    return answers


async def answer_if_resent(processor: Any, message: Any) -> bool:
    """Answer `message` from the conversation when it was already handled; True if so.

    Called by the processor under the conversation's lock, so a first try still running on
    this or another instance has finished and been saved before the resend is looked up.
    """
    message_id = client_message_id(message.metadata)
    if message_id is None or message.message_id != message_id:
        return False
    tracker = await processor.tracker_store.retrieve(message.sender_id)
    answers = earlier_answers(tracker.events, message_id) if tracker is not None else None
    if answers is None:
        return False
    log.info(
        "Message %s of %s was already handled: %d answer(s) sent again, nothing processed",
        message_id,
        message.sender_id,
        len(answers),
    )
    for answer in answers:
        await message.output_channel.send_response(message.sender_id, answer)
    return True
