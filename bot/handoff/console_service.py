"""The console's side of the live handoff, on top of `HandoffService`: resource cards sent
into the conversation, transfers between counsellors, typing both ways, closing with a
contact record.

A resource card is the very payload `action_search_services` sends (`bot.dialogue.results`),
so the widget shows it as cards and SMS as text, with nothing new in either channel. It goes
through the same outbox as a counsellor's words (stored `pending`, delivered, marked `sent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

import aiohttp

from bot.dialogue import results
from bot.texts import formats, t

from .rasa_api import SOCKETIO, RasaUnavailable
from .service import HandoffService
from .store import ACTIVE, COUNSELLOR, SYSTEM
from .workspace import WorkspaceStore

log = logging.getLogger(__name__)

TYPING_POLL = 1.0
"""Seconds between two questions to Rasa about who is typing (only with a console open)."""
TYPING_TIMEOUT = aiohttp.ClientTimeout(total=3)


def card_payload(hits: list[Any], need: str, language: str, place_label: str) -> dict[str, Any]:
    """The results payload of the services a counsellor picked, in the person's language."""
    moment = datetime.now(formats.TZ)
    cards = [results.service_card(hit, index, language, moment) for index, hit in
             enumerate(hits, start=1)]  # fmt: skip
    return results.results_payload(
        need=need, language=language, page=1, more=False, place_label=place_label, cards=cards
    )


class ConsoleService(HandoffService):
    """`HandoffService` plus what only the console asks for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = WorkspaceStore(self.store.engine, self.store.clock)
        self._seen: frozenset[tuple[str, str]] | None = None

    async def relay_once(self) -> None:
        """The relay's pass, then: when a request arrived (the action server writes it to the
        database) or changed state elsewhere, every open console gets the new queue at once."""
        await super().relay_once()
        state = frozenset((i["id"], i["status"]) for i in await self.store.open_escalations())
        if self._seen is not None and state != self._seen:
            await self.publish_queue()
        self._seen = state

    async def send_card(
        self, escalation_id: str, counsellor_id: int, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """Send a results payload to the person; PermissionError if the conversation is not
        the counsellor's. The console shows its plain-text rendering."""
        item = await self._held(escalation_id, counsellor_id)
        name = await self.counsellor_name(counsellor_id)
        row = await self.store.queue_outgoing(
            item["id"], COUNSELLOR, results.render_text(payload), name, payload=payload
        )
        await self.publish({"type": "message", "escalation_id": item["id"], "message": row})
        await self._deliver(item, row)
        return row

    async def transfer(self, escalation_id: str, from_id: int, to_id: int) -> bool:
        """Give the conversation to another active counsellor; the person is told who joins."""
        target = await self.store.counsellor_by_id(to_id)
        if target is None or not target["active"] or to_id == from_id:
            return False
        if not await self.workspace.transfer(escalation_id, from_id, to_id):
            return False
        item = await self.store.escalation(escalation_id)
        assert item is not None
        name = await self.counsellor_name(to_id)
        await self._say(item, SYSTEM, t("handoff.person.transferred", item["language"], name=name))
        await self.publish(
            {"type": "transferred", "escalation_id": escalation_id, "to": to_id, "from": from_id}
        )
        await self.publish_queue()
        return True

    # --- typing ----------------------------------------------------------------------

    def _typing_url(self) -> str:
        return f"{self.rasa.url}/webhooks/socketio/typing"

    async def counsellor_typing(self, escalation_id: str, counsellor_id: int, on: bool) -> bool:
        """Show (or stop showing) "typing…" in the person's widget; SMS has no such thing."""
        item = await self._held(escalation_id, counsellor_id)
        if item.get("channel") != SOCKETIO:
            return False
        body = {"sender_id": item["sender_id"], "typing": on,
                "name": await self.counsellor_name(counsellor_id)}  # fmt: skip
        try:
            async with self.rasa.session.post(
                self._typing_url(), params={"token": self.rasa.token}, json=body,
                timeout=TYPING_TIMEOUT,
            ) as response:  # fmt: skip
                return response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False

    async def persons_typing(self) -> list[str]:
        """Ids of the held web conversations whose person is typing now."""
        items = [i for i in await self.store.open_escalations()
                 if i["status"] == ACTIVE and i.get("channel") == SOCKETIO]  # fmt: skip
        if not items:
            return []
        by_sender = {i["sender_id"]: i["id"] for i in items}
        try:
            async with self.rasa.session.get(
                self._typing_url(),
                params={"token": self.rasa.token, "senders": ",".join(by_sender)},
                timeout=TYPING_TIMEOUT,
            ) as response:
                if response.status != 200:
                    return []
                typing = (await response.json()).get("typing") or []
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return []
        return [by_sender[s] for s in typing if s in by_sender]

    async def run_typing_relay(self, stop: asyncio.Event) -> None:
        """Tell open consoles who is typing, about once a second, while any console is open."""
        while not stop.is_set():
            if self.listeners:
                try:
                    for escalation_id in await self.persons_typing():  # this app's consoles
                        await self.shared.hub.deliver(
                            {"type": "typing", "escalation_id": escalation_id}
                        )
                except (RasaUnavailable, OSError):
                    log.debug("typing relay pass failed", exc_info=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), TYPING_POLL)


__all__ = ["ConsoleService", "card_payload"]
