"""`relais understand`: what the assistant understands of each message, as JSON lines.

It runs the very pipeline the bot uses (the trained Rasa model, loaded with
`rasa.core.agent.Agent.load`), so evaluating it evaluates the bot. Input: one JSON object per
line (`{"text": "...", "id": ...}`; a bare JSON string is accepted too); output: one JSON
object per input line, in order:

    {"language", "need", "needs", "crisis", "municipality", "intent", "confidence", ...}

`language` is the language the message is written in (best guess); when nothing in it tells
(a place, a postal code, an emoji), the language the bot answers in by default
(`bot.texts.DEFAULT_LANGUAGE`), with `language_detected` false;
`language_requested` the language asked for ("parlez-vous anglais?" → "en"); `need` the main
need id (one of the 20) or null; `crisis` a bool and `crisis_kind` its kind; `municipality`
`{"code_geo", "name"}` or null. A line that is not valid JSON, or has no text, gets
`{"error": ...}` on its line instead of stopping the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from bot.texts import DEFAULT_LANGUAGE, both

logger = logging.getLogger(__name__)


def quiet_rasa_logs() -> None:
    """Keep Rasa's structured debug log off stdout, which carries the JSON lines."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


def load_agent(model: Path) -> Any:
    """The Rasa agent for a trained model (NLU-only or full), with quiet logs."""
    from rasa.core.agent import Agent

    quiet_rasa_logs()
    return Agent.load(str(model))


def _municipality(entities: list[dict]) -> dict | None:
    """`{"code_geo", "name"}` of the first `place` entity (bot/nlu/places.py puts the official
    name in `value` and the code in the extra key `code_geo`)."""
    for entity in entities:
        if entity.get("entity") != "place":
            continue
        value = entity.get("value")
        if isinstance(value, dict) and value.get("code_geo"):
            return {"code_geo": str(value["code_geo"]), "name": value.get("name")}
        if entity.get("code_geo"):
            return {"code_geo": str(entity["code_geo"]), "name": value}
    return None


def summarize(parse: dict) -> dict:
    """The understand record of one Rasa parse result."""
    intent = parse.get("intent") or {}
    entities = parse.get("entities") or []
    needs = list(parse.get("needs") or [])
    crisis = parse.get("crisis")
    language_entity = next(
        (e.get("value") for e in entities if e.get("entity") == "language"), None
    )
    detected = parse.get("language")
    return {
        "language": detected or DEFAULT_LANGUAGE,
        "language_detected": detected is not None,
        "language_requested": parse.get("language_requested"),
        "language_confident": language_entity is not None,
        "need": needs[0] if needs else None,
        "needs": needs,
        "crisis": bool(crisis),
        "crisis_kind": crisis,
        "municipality": _municipality(entities),
        "intent": intent.get("name"),
        "confidence": round(float(intent.get("confidence") or 0.0), 4),
        "entities": [{k: e.get(k) for k in ("entity", "value", "start", "end")} for e in entities],
    }


class UnusableLine(ValueError):
    """An input line that holds no message; `key` and `detail` name why, in the texts."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.detail = detail


def _read(line: str) -> tuple[str | None, dict]:
    """(text, extra fields to echo) of an input line; raises UnusableLine when unusable."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise UnusableLine(
            "nlu.understand.invalid_json", f"{error.msg}, col. {error.colno}"
        ) from None
    if isinstance(data, str):
        return data, {}
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise UnusableLine("nlu.understand.no_text")
    return data["text"], {k: data[k] for k in ("id",) if k in data}


async def understand_lines(agent: Any, lines: Iterable[str]) -> list[dict]:
    """One record per input line (an error record for a bad line)."""
    return [record async for record in _records(agent, lines)]


async def _records(agent: Any, lines: Iterable[str]) -> Any:
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        try:
            text, extra = _read(line)
        except UnusableLine as error:
            yield {"error": both(error.key, line=number, detail=error.detail), "line": number}
            continue
        try:
            parse = await agent.parse_message(text)
        except Exception as error:  # one bad message must not stop a batch
            logger.exception("parse failed on line %d", number)
            message = both(
                "nlu.understand.parse_failed",
                line=number,
                detail=f"{type(error).__name__}: {error}"[:200],
            )
            yield {"error": message, "line": number, **extra}
            continue
        yield {**extra, "text": text, **summarize(parse)}


def run(model: Path, source: TextIO, out: TextIO) -> int:
    """Stream `source` (JSON lines) through the model into `out`; returns the error count."""
    agent = load_agent(model)
    errors = 0

    async def go() -> None:
        nonlocal errors
        async for record in _records(agent, source):
            errors += "error" in record
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()

    asyncio.run(go())
    return errors
