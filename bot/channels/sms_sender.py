"""Sending SMS through the provider's REST API, without blocking the event loop.

Rasa's own Twilio channel calls the synchronous `messages.create` from async code; here the
twilio client runs on `AsyncTwilioHttpClient` (aiohttp) with `messages.create_async`. The
API base URL is configurable so tests and the benchmark talk to a local fake provider.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from .sms_config import SmsConfig

log = logging.getLogger(__name__)

UNSUBSCRIBED_ERRORS = frozenset({21610})
"""Provider error codes meaning "this recipient opted out" (Twilio 21610)."""


class SendError(RuntimeError):
    """The provider refused or could not be reached; the message was not sent."""


class RecipientOptedOut(SendError):
    """The provider says the recipient replied STOP (to it directly)."""


class TwilioSender:
    """One provider client per event loop (the aiohttp session belongs to the loop)."""

    def __init__(self, config: SmsConfig, *, max_retries: int = 2) -> None:
        self.config = config
        self.max_retries = max_retries
        self._http: AsyncTwilioHttpClient | None = None
        self._client: Client | None = None

    def _get_client(self) -> Client:
        if self._client is None:
            # twilio logs ten INFO lines per message sent; keep its warnings and errors only
            logging.getLogger("twilio.async_http_client").setLevel(logging.WARNING)
            self._http = AsyncTwilioHttpClient(
                timeout=self.config.send_timeout, max_retries=self.max_retries
            )
            client = Client(self.config.account_sid, self.config.auth_token, http_client=self._http)
            client.api.base_url = self.config.api_url
            self._client = client
        return self._client

    async def send(self, number: str, body: str) -> str:
        """Send `body` to `number` (E.164); returns the provider's message SID."""
        client = self._get_client()
        try:
            message = await client.messages.create_async(
                to=number, from_=self.config.from_number, body=body
            )
        except TwilioRestException as exc:
            if exc.code in UNSUBSCRIBED_ERRORS:
                raise RecipientOptedOut(f"provider error {exc.code}") from None
            raise SendError(f"provider error {exc.status}/{exc.code}") from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise SendError(f"provider unreachable: {type(exc).__name__}") from None
        return str(message.sid)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None
