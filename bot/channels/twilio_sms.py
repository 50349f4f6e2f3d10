"""Rasa input channel for Twilio-style SMS webhooks (credentials key
`bot.channels.twilio_sms.TwilioSmsInput`).

- `GET  /webhooks/twilio_sms/`         health (and whether credentials are configured);
- `POST /webhooks/twilio_sms/webhook`  the provider's "incoming message" webhook.

Unlike Rasa's own `twilio` channel, every webhook must carry a valid `X-Twilio-Signature`
(HMAC of the public URL and the form, with the auth token), else 403; the webhook answers
empty TwiML at once and the Rasa turn runs in the background (`SmsGateway`), replies going
out through the provider's REST API with an async client. Sanic stays in this module; the
logic is in `sms_gateway` and friends, testable without a server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.privacy.log_filter import install_everywhere
from bot.runtime.resent import user_message

from .sms_config import SmsConfig
from .sms_gateway import ConversationInfo, SmsGateway, send_sms
from .sms_privacy import InvalidNumber

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_HEADER = "X-Twilio-Signature"

__all__ = ["SmsOutputChannel", "TwilioSmsInput", "send_sms"]


class TurnCollector(OutputChannel):
    """Collects the bot messages of one turn, so they are rendered and paged together."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return TwilioSmsInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append(dict(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append({"text": text})


class SmsOutputChannel(OutputChannel):
    """Messages Rasa sends outside a turn (a counsellor's reply posted to the tracker with
    `output_channel=latest`): rendered and sent one by one."""

    def __init__(self, channel: TwilioSmsInput) -> None:
        self.channel = channel

    @classmethod
    def name(cls) -> str:
        return TwilioSmsInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        gateway = await self.channel.gateway()
        await gateway.deliver_messages(recipient_id, [dict(message)])

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class RasaConversations:
    """The conversation's language and pause state, read from Rasa's tracker store."""

    def __init__(self) -> None:
        self.app: Any = None
        """The Sanic app, whose `ctx.agent` Rasa sets once its model is loaded."""

    async def __call__(self, sender_id: str) -> ConversationInfo:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return ConversationInfo()
        tracker = await store.retrieve(sender_id)
        if tracker is None:
            return ConversationInfo()
        return ConversationInfo(
            language=str(tracker.get_slot("language") or "fr"), paused=tracker.is_paused()
        )


class TwilioSmsInput(InputChannel):
    """SMS through a Twilio-compatible provider."""

    @classmethod
    def name(cls) -> str:
        return "twilio_sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if credentials is None:
            cls.raise_missing_credentials_exception()
        return cls(SmsConfig.from_credentials(credentials))

    def __init__(self, config: SmsConfig) -> None:
        self.config = config
        self.conversations = RasaConversations()
        self.on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None
        self._gateway: SmsGateway | None = None
        self._opening: asyncio.Lock | None = None
        install_everywhere()
        if not config.configured:
            log.warning(
                "SMS channel not configured (missing %s): its webhook answers 503",
                ", ".join(config.missing()),
            )

    async def gateway(self) -> SmsGateway:
        """The gateway, opened on first use inside the server's event loop."""
        if self._gateway is None:
            self._opening = self._opening or asyncio.Lock()
            async with self._opening:
                if self._gateway is None:
                    self._gateway = await SmsGateway.open(
                        self.config, runner=self._run_turn, conversation=self.conversations
                    )
                    self._gateway.start_sweeping()  # what a dead server left: handled here
        return self._gateway

    async def _run_turn(
        self, text: str, sender_id: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if self.on_new_message is None:
            raise RuntimeError("the SMS channel's blueprint was not registered")
        collector = TurnCollector()
        await self.on_new_message(user_message(text, collector, sender_id, self.name(), metadata))
        return collector.messages

    def signed_params(self, request: Request) -> dict[str, str] | None:
        """The webhook form if its signature is valid, else None.

        The form is parsed with blank values kept: the provider signs them too, and
        Sanic's `request.form` drops them.
        """
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            return None
        params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        url = self.config.webhook_url(request.path, request.query_string, request.url)
        if not RequestValidator(self.config.auth_token).validate(url, params, signature):
            return None
        return params

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self.on_new_message = on_new_message
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": self.config.configured})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.config.configured:
                return response.text("SMS channel not configured", status=503)
            params = self.signed_params(request)
            if params is None:
                log.warning("SMS webhook refused: missing or invalid signature")
                return response.text("invalid signature", status=403)
            self.conversations.app = request.app
            gateway = await self.gateway()
            try:
                item = gateway.inbound(params)
            except (ValueError, InvalidNumber) as exc:
                log.warning("SMS webhook refused: %s", exc)
                return response.text("bad request", status=400)
            await gateway.admit(item)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @webhook.listener("after_server_start")
        async def open_gateway(app: Any, *_: Any) -> None:
            """Opened with the server, not at the first SMS: messages a killed server left
            unhandled are taken over even if no new SMS comes."""
            if not self.config.configured:
                return
            self.conversations.app = app
            try:
                await self.gateway()
            except Exception:  # the database not there yet: the first SMS opens it
                log.exception("SMS gateway not opened at start")

        @webhook.listener("before_server_stop")
        async def close(*_: Any) -> None:
            if self._gateway is not None:
                await self._gateway.close()
                self._gateway = None

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return SmsOutputChannel(self)
