"""The REST channel (`POST /webhooks/rest/webhook`): Rasa's, with readable results and polite
refusals.

- A results payload (`bot.dialogue.results`) reaches a REST client with its `custom` data
  AND a `text` rendering, so a client that only shows texts (a terminal, a test, another
  front end) still shows the services found.
- A body that is not `{"sender": str, "message": str}` gets 400 with a message in French and
  English instead of Rasa's 500; the channel name is this channel's (Rasa lets a client claim
  any `input_channel`, which would make a REST caller look like an SMS phone).
- A message that could not be handled (the conversation's lock unreachable…) gets 503 with
  a message in French and English, not an empty answer the client would take for silence;
  the client sends it again (the widget does, once).
- A client's `metadata.message_id` becomes the message's id, so a resend after a failed
  request is answered without being processed twice (`bot.runtime.resent`).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.dialogue import results
from bot.runtime.resent import user_message
from bot.texts import both

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_MESSAGE_CHARS = 10_000


class TextRenderingOutput(CollectingOutputChannel):
    """Collects the bot's messages; results also get their plain-text rendering."""

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        message: dict[str, Any] = {"recipient_id": recipient_id, "custom": json_message}
        if results.is_results(json_message):
            message["text"] = results.render_text(json_message)
        await self._persist_message(message)


def parse_body(body: Any) -> tuple[str, str, dict[str, Any] | None] | None:
    """(sender, message, metadata) of a valid request body, else None."""
    if not isinstance(body, dict):
        return None
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None
    if not isinstance(text, str):
        return None
    return sender, text[:MAX_MESSAGE_CHARS], metadata if isinstance(metadata, dict) else None


class RelaisRestInput(RestInput):
    """`rest` in credentials.yml."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # Sanic raises on a body that is not JSON
                body = None
            parsed = parse_body(body)
            if parsed is None:
                return response.json({"error": both("channels.rest.bad_request")}, status=400)
            sender, text, metadata = parsed
            collector = TextRenderingOutput()
            try:
                await on_new_message(user_message(text, collector, sender, self.name(), metadata))
            except CancelledError:
                log.error("REST message from %s timed out", sender)
            except Exception:  # e.g. the conversation's lock unreachable (Redis cut)
                log.exception("REST message from %s failed", sender)
                return response.json({"error": both("channels.rest.unavailable")}, status=503)
            return response.json(collector.messages)

        return webhook
