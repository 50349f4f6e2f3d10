"""Async client of Rasa's HTTP API (`--enable-api`, token auth) for the handoff.

- a counsellor's message: a `bot` event posted with `execute_side_effects=true` and
  `output_channel=latest`, so Rasa sends it through the person's own channel (socket.io for
  the widget, `twilio_sms` for SMS, whose output channel handles it);
- hand back: a `resume` event, the bot's "I'm back" message and an `action_listen` (so the
  next message is predicted as a fresh turn), posted together from the outbox
  (`HandoffService.drain_resumes`);
- the transcript and the person's messages while paused: `GET /conversations/{id}/tracker`.

Rasa 3.6's socket.io output keeps only `text` of a bot message and drops its metadata, so
for socket.io conversations the message travels as the `custom` payload, which Rasa emits as
is: the widget receives one `bot_uttered` with `{"type": "counsellor_message", "name": …,
"text": …, "metadata": {…}}` (the shape `widget/src/messages.js` renders as a counsellor's). The tracker event keeps the metadata either way, with
`message_id`, which lets a resend after a crash check whether Rasa already has it.
"""

from __future__ import annotations

from typing import Any

import aiohttp

SOCKETIO = "socketio"


class RasaUnavailable(RuntimeError):
    """Rasa did not answer or refused the request."""


def bot_event(text: str, metadata: dict[str, Any], channel: str | None) -> dict[str, Any]:
    """The `bot` event for `text`, shaped so that `channel` shows the metadata."""
    event: dict[str, Any] = {"event": "bot", "text": text, "metadata": metadata}
    if channel == SOCKETIO:
        event["text"] = None
        payload = {"type": metadata.get("type"), "name": metadata.get("name"), "text": text}
        event["data"] = {"custom": {"data": {**payload, "metadata": metadata}}}
    return event


def event_text(event: dict[str, Any]) -> str:
    """The text of a bot event, wherever `bot_event` put it."""
    if event.get("text"):
        return str(event["text"])
    custom = ((event.get("data") or {}).get("custom") or {}).get("data") or {}
    return str(custom.get("text") or "")


class RasaApi:
    """`async with RasaApi(url, token) as rasa:`; one HTTP session for many calls."""

    def __init__(self, url: str, token: str, timeout: float = 15.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RasaApi:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _request(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None
    ) -> Any:
        query = {"token": self.token, **(params or {})}
        try:
            async with self.session.request(
                method, f"{self.url}{path}", params=query, json=json
            ) as response:
                if response.status >= 400:
                    detail = await response.text()
                    raise RasaUnavailable(f"{method} {path}: {response.status} {detail[:200]}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(f"{method} {path}: {exc!r}") from exc

    async def tracker(self, sender_id: str) -> dict[str, Any]:
        """The whole conversation (events of every session)."""
        return await self._request(
            "GET", f"/conversations/{sender_id}/tracker", params={"include_events": "ALL"}
        )

    async def append_events(
        self, sender_id: str, events: list[dict[str, Any]], *, deliver: bool = False
    ) -> dict[str, Any]:
        """Append `events`; with `deliver`, bot events go out through the latest channel."""
        params = {"execute_side_effects": "true", "output_channel": "latest"} if deliver else {}
        return await self._request(
            "POST", f"/conversations/{sender_id}/tracker/events", params=params, json=events
        )

    async def say(
        self, sender_id: str, text: str, metadata: dict[str, Any], channel: str | None
    ) -> None:
        """Send `text` to the person through their own channel."""
        await self.append_events(sender_id, [bot_event(text, metadata, channel)], deliver=True)
