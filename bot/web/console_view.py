"""What the console shows of an escalation, a message, a callback: every field already in
words, in the counsellor's language, so the page only places text (never an object, never a
missing value: a field the person did not give is `None`, shown as "—" by the page).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from bot import texts
from bot.handoff.workspace import PLACEHOLDERS
from bot.texts import formats

CALLBACK_FIELDS = ("id", "phone", "contact", "language", "best_time", "need", "municipality",
                   "crisis")  # fmt: skip


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def _label(key: str, language: str, fallback: str | None = None) -> str | None:
    return texts.t(key, language) if texts.has(key) else fallback


def need_text(need: str | None, language: str) -> str | None:
    if not need:
        return None
    return _label(f"need.{need}.label", language, need)


def language_name(code: str | None, language: str) -> str | None:
    return _label(f"console.language_name.{code}", language, code) if code else None


def municipality_name(code: str | None) -> str | None:
    from bot.places.territory import served_names

    return (served_names().get(code or "") or code) if code else None


def place_text(item: dict[str, Any]) -> str | None:
    """ "Verdun (Montréal)", "Laval", or None."""
    town = municipality_name(item.get("municipality"))
    borough = item.get("borough")
    if town and borough and borough != town:
        return f"{borough} ({town})"
    return town


def labels(item: dict[str, Any], language: str) -> dict[str, Any]:
    """The words of the fields an escalation and a callback share."""
    crisis = item.get("crisis")
    return {
        "need_label": need_text(item.get("need"), language),
        "municipality_name": municipality_name(item.get("municipality")),
        "crisis_label": _label(f"console.crisis.{crisis}", language, crisis) if crisis else None,
        "language_label": language_name(item.get("language"), language),
    }


def service_line(service: dict[str, Any], language: str) -> dict[str, Any]:
    """A service already offered: its name, organization, phone and distance in words."""
    km = service.get("distance_km")
    distance = formats.distance(float(km), language) if isinstance(km, (int, float)) else None
    return {
        "service_id": service.get("service_id"),
        "name": str(service.get("name") or service.get("organization") or ""),
        "organization": service.get("organization") or None,
        "phone": service.get("phone") or None,
        "distance": distance or service.get("distance") or None,
    }


def public_escalation(item: dict[str, Any], language: str) -> dict[str, Any]:
    """An escalation as the console shows it (queue and conversation header)."""
    now = time.time()
    end = item.get("claimed_at") or item.get("closed_at") or now
    needs = item.get("needs") or ([item["need"]] if item.get("need") else [])
    channel = item.get("channel")
    outcome = item.get("outcome")
    return {
        "id": item["id"],
        "status": item["status"],
        "language": item["language"],
        "channel": channel,
        "channel_label": _label(f"console.channel.{channel}", language, channel)
        if channel
        else None,
        "need": item.get("need"),
        "needs": list(needs),
        "needs_label": ", ".join(filter(None, (need_text(n, language) for n in needs))) or None,
        "municipality": item.get("municipality"),
        "borough": item.get("borough"),
        "place_label": place_text(item),
        "crisis": item.get("crisis"),
        "reason": item.get("reason"),
        "reason_label": _label(f"console.reason.{item.get('reason')}", language),
        "services": [service_line(s, language) for s in item.get("services") or []],
        "created_at": iso(item["created_at"]),
        "waited_seconds": int(max(0, end - item["created_at"])),
        "claimed_by": item.get("claimed_by"),
        "claimed_by_name": item.get("claimed_by_name"),
        "person_left": bool(item.get("person_left_at")),
        "outcome": outcome,
        "outcome_label": _label(f"console.outcome.{outcome}", language) if outcome else None,
        **labels(item, language),
    }


def public_message(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "direction": row["direction"],
        "author": row.get("author"),
        "text": row["text"],
        "at": iso(row["created_at"]),
        "status": row.get("status"),
        "card": bool(row.get("payload")),
    }


def public_note(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "author": row.get("author") or "", "text": row["text"],
            "at": iso(row["created_at"])}  # fmt: skip


def public_callback(row: dict[str, Any], language: str) -> dict[str, Any]:
    return {
        **{k: row[k] for k in CALLBACK_FIELDS},
        "contact_label": _label(f"console.contact.{row['contact']}", language, row["contact"]),
        "created_at": iso(row["created_at"]),
        **labels(row, language),
    }


def first_words(transcript: list[dict[str, Any]] | None) -> str | None:
    """What the person wrote first (a button's payload such as "/ask_human" is no words)."""
    for line in transcript or []:
        text = str(line.get("text") or "").strip()
        if line.get("who") == "person" and text and not text.startswith("/"):
            return text
    return None


def earlier_contact(row: dict[str, Any] | None, language: str) -> dict[str, Any] | None:
    """The person's contact closed earlier today, in words."""
    if row is None:
        return None
    moment = datetime.fromtimestamp(float(row["closed_at"]), formats.TZ)
    outcome = row.get("outcome")
    return {
        "outcome_label": _label(f"console.outcome.{outcome}", language, outcome),
        "need_label": need_text(row.get("need"), language),
        "at": formats.clock(moment, language),
    }


def fill_placeholders(text: str, item: dict[str, Any], counsellor: str, language: str) -> str:
    """A canned response with its placeholders filled for this conversation."""
    values = {
        "municipality": place_text(item) or "",
        "need": (need_text(item.get("need"), language) or "").lower(),
        "counsellor": counsellor,
    }
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values[name])
    return text


__all__ = [
    "earlier_contact",
    "fill_placeholders",
    "first_words",
    "iso",
    "public_callback",
    "public_escalation",
    "public_message",
    "public_note",
]
