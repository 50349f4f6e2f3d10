"""The one results payload: what `action_search_services` sends, and every channel renders.

The action sends the services it found once, as a custom payload of type `service_results`.
Each card carries the facts (distance, opening, phone…) and their words in the conversation's
language, written by the one formatter (`bot.texts.formats`), so the widget, SMS, the REST
channel's text and the console all say the same thing. `card_text` and `render_text` are the
plain-text rendering (REST clients, the console's transcript, `relais chat`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, TypeGuard

from bot.texts import formats, t

RESULTS_TYPE = "service_results"
VERSION = 1


class Hit(Protocol):
    """What a card needs from a search hit (`bot.search.ServiceHit`)."""

    service_id: str
    name: str
    organization: str
    distance_km: float | None
    open_now: bool | None
    next_opening: datetime | None
    phone: str | None
    address: str | None
    url: str | None
    fictional: bool


def service_card(hit: Hit, index: int, language: str, now: datetime) -> dict[str, Any]:
    """One service: its facts, and their words in `language`."""
    distance = formats.distance(hit.distance_km, language) if hit.distance_km is not None else ""
    return {
        "index": index,
        "service_id": hit.service_id,
        "name": hit.name,
        "organization": hit.organization,
        "distance_km": hit.distance_km,
        "open_now": hit.open_now,
        "next_opening": hit.next_opening.isoformat() if hit.next_opening else None,
        "phone": hit.phone,
        "address": hit.address,
        "url": hit.url,
        "fictional": bool(hit.fictional),
        "text": {
            "distance": distance,
            "status": formats.opening(hit.open_now, hit.next_opening, now, language),
            "fictional": t("dialogue.card.fictional", language) if hit.fictional else "",
        },
    }


def results_payload(
    *,
    need: str,
    language: str,
    page: int,
    more: bool,
    place_label: str,
    cards: list[dict[str, Any]],
    widened: str | None = None,
    widening: str | None = None,
) -> dict[str, Any]:
    """The custom payload of one page of results (`widening`: the search's stage beyond the
    first radius, read by the statistics)."""
    return {
        "type": RESULTS_TYPE,
        "version": VERSION,
        "language": language,
        "need": need,
        "need_label": t(f"need.{need}.label", language),
        "place": place_label,
        "page": page,
        "more": more,
        "widened": widened,
        "widening": widening,
        "cards": cards,
    }


def is_results(custom: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(custom, Mapping) and custom.get("type") == RESULTS_TYPE


def card_name(card: Mapping[str, Any], language: str) -> str:
    """Who and what, as text channels name a card: "Le Garde-Manger de Verdun : Dépannage
    alimentaire". Three cards all named "Dépannage alimentaire" left the person unable to tell
    whom each phone number reaches (the widget shows the organization under the name). One
    name when one holds the other ("Centre communautaire Chénier" twice)."""
    service = str(card.get("name") or "").strip()
    organization = str(card.get("organization") or "").strip()
    if not organization or organization.casefold() in service.casefold():
        return service or organization
    if not service or service.casefold() in organization.casefold():
        return organization
    return t("dialogue.card.name", language, organization=organization, service=service)


def card_text(card: Mapping[str, Any], language: str) -> str:
    """One card as plain text (four or five lines)."""
    words = card.get("text") or {}
    distance = words.get("distance") or ""
    return t(
        "dialogue.card.text",
        language,
        index=card.get("index") or "",
        name=card_name(card, language),
        distance=f" — {distance}" if distance else "",
        status=words.get("status") or "",
        phone=card.get("phone") or t("dialogue.card.no_phone", language),
        address=card.get("address") or t("dialogue.card.no_address", language),
        fictional=f"\n{words['fictional']}" if words.get("fictional") else "",
    )


def render_text(payload: Mapping[str, Any]) -> str:
    """A whole page of results as plain text, cards separated by a blank line."""
    language = str(payload.get("language") or "fr")
    parts = [payload["widened"]] if payload.get("widened") else []
    parts += [card_text(card, language) for card in payload.get("cards") or []]
    return "\n\n".join(parts)
