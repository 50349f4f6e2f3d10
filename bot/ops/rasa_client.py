"""Talking to Rasa over HTTP: the REST channel for messages, the token-protected API for the rest.

Used by `relais chat`, the end-to-end tests and the benchmark, so they all speak to the
assistant the way the widget and SMS channel do.
"""

from __future__ import annotations

from typing import Any

import aiohttp


class RasaClient:
    """An async client of one Rasa server (`async with RasaClient(url, token) as rasa:`)."""

    def __init__(self, url: str, token: str = "", timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RasaClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use `async with RasaClient(...)`")
        return self._session

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """One user message through the REST channel; the bot's messages in order."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        async with self.session.post(f"{self.url}/webhooks/rest/webhook", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (HTTP API, needs the token)."""
        async with self.session.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def status(self) -> dict[str, Any]:
        async with self.session.get(f"{self.url}/status", params={"token": self.token}) as response:
            response.raise_for_status()
            return await response.json()


def render(messages: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """Messages as terminal lines, and the buttons offered (numbered from 1)."""
    lines: list[str] = []
    buttons: list[dict[str, str]] = []
    for message in messages:
        if message.get("text"):
            lines.append(message["text"])
        for button in message.get("buttons") or []:
            buttons.append(button)
            lines.append(f"  {len(buttons)}. {button.get('title', '')}")
    return lines, buttons
