"""Hostile chat messages, generated: what the chat channels must survive (issue 15).

`messages(count, seed)` mixes the kinds people and scripts really send or try: any Unicode
(right-to-left overrides, combining marks, zero-width characters, NUL), 10 kB texts, emoji
sequences, HTML and JavaScript, JSON-looking payloads, format strings, and Rasa slash
commands with broken or absurd entities (`/provide_place{"lat": "x"}`). The same seed gives
the same messages, so a failure can be replayed. `NASTIEST` are always included first.
Used by `bench/fuzz.py` (10,000 through REST and socket.io) and the tests (a few hundred).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Iterator

INTENTS = (
    "need_food", "need_housing", "need_shelter", "need_mental_health", "need_health",
    "greet", "goodbye", "thanks", "deny", "bot_challenge", "chitchat", "out_of_scope",
    "change_language", "provide_place", "restart", "more_results", "other_language",
    "ask_service_details",
    "crisis_suicide", "no_such_intent", "",
)  # fmt: skip
"""Intents for slash commands (`ask_human`/`affirm` left out: they would queue the
conversation for a counsellor and pause it; `tests/handoff` covers that path)."""

ENTITY_VALUES: tuple[object, ...] = (
    "x", "", None, True, 1e308, -1, [1, 2], {"a": {"b": []}}, "9" * 400, "<b>x</b>",
    "H2X 1Y4", "Laval", "\u202eevil", [[[[[]]]]],
)  # fmt: skip

MARKUP = (
    "<script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    '"><svg onload="window.__pwned=1">',
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    "javascript:window.__pwned=1",
    '<a href="javascript:window.__pwned=1">clic</a>',
    "<style>*{display:none}</style>",
    "{{constructor.constructor('window.__pwned=1')()}}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "[clic](javascript:window.__pwned=1)",
)
"""Markup that would run (set `window.__pwned`, or open a dialog) if a page parsed it."""

NASTIEST: tuple[str, ...] = (
    '/provide_place{"lat": "x"}',
    '/provide_place{"lat": 1e999, "lon": "NaN"}',
    '/provide_place{"place": null}',
    '/provide_place{"lat": [1], "lon": {"a": 1}}',
    '/need_food{"need": ["a", "b"]}',
    '/change_language{"language": "klingon"}',
    '/change_language{"language": null}',
    "/restart{",
    '/greet{"a":',
    "/",
    "//",
    "/ ",
    "/no_such_intent",
    '{"sender": "someone-else", "message": "hi"}',
    "[1, 2, 3]",
    "null",
    "",
    " \n\t ",
    "\x00",
    "\u202e\u2066211\u2069",
    "\ufeff\u200b\u200d",
    "e\u0301" * 200,
    "👩🏽‍👩🏽‍👧🏽‍👦🏽🇶🇨🏳️‍🌈" * 20,
    "a" * 10_240,
    "'; DROP TABLE service; --",
    "%s%s%s%n {0} {name} {{}}",
    *MARKUP,
)

RANGES = (
    (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x590, 0x6FF), (0x900, 0x97F),
    (0x2000, 0x206F), (0x3040, 0x30FF), (0x4E00, 0x4FFF), (0xAC00, 0xACFF),
    (0x1F300, 0x1FAFF), (0xE000, 0xE0FF), (0xFFF0, 0xFFFF), (0x0, 0x1F),
)  # fmt: skip


def _unicode(rng: random.Random, length: int) -> str:
    chars = []
    for _ in range(length):
        low, high = rng.choice(RANGES)
        code = rng.randint(low, high)
        if 0xD800 <= code <= 0xDFFF:
            code = 0xFFFD
        chars.append(chr(code))
    return "".join(chars)


def _slash(rng: random.Random) -> str:
    intent = rng.choice(INTENTS)
    if rng.random() < 0.3:
        return f"/{intent}"
    names = ("lat", "lon", "place", "need", "language", "postal_code", "x" * 300, "")
    entities = {rng.choice(names): rng.choice(ENTITY_VALUES) for _ in range(rng.randint(1, 3))}
    body = json.dumps(entities, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.25:
        body = body[: rng.randint(0, len(body))]  # cut short: not JSON any more
    return f"/{intent}{body}"


def _json_like(rng: random.Random) -> str:
    shapes: list[object] = [
        {"text": {"$ne": None}},
        {"message": "/restart", "sender": "admin"},
        [{"event": "pause"}],
        {"__proto__": {"polluted": True}},
        rng.random(),
        {"a": [rng.choice(ENTITY_VALUES) for _ in range(rng.randint(1, 5))]},
    ]
    return json.dumps(rng.choice(shapes))


def _words(rng: random.Random) -> str:
    words = ("j'ai", "besoin", "de", "manger", "food", "Laval", "Montréal", "aide", "help",
             "logement", "H2X 1Y4", "urgence", "211", "svp", "please", "demain")  # fmt: skip
    return " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))


def message(rng: random.Random) -> str:
    """One generated message."""
    kind = rng.random()
    if kind < 0.25:
        return _unicode(rng, rng.randint(1, 80))
    if kind < 0.30:
        return _unicode(rng, rng.randint(2_000, 10_240))
    if kind < 0.40:
        return "".join(rng.choice(NASTIEST[21:23]) for _ in range(rng.randint(1, 3)))[:2000]
    if kind < 0.55:
        return rng.choice(MARKUP) + " " + _words(rng)
    if kind < 0.65:
        return _json_like(rng)
    if kind < 0.85:
        return _slash(rng)
    return _words(rng)


def messages(count: int, seed: int = 211) -> list[str]:
    """`NASTIEST` first, then generated ones, `count` in all (same seed, same list)."""
    rng = random.Random(seed)
    out = list(NASTIEST[:count])
    while len(out) < count:
        out.append(message(rng))
    return out


# --- sending them --------------------------------------------------------------------------


async def through_rest(url: str, texts: list[str], workers: int = 4) -> dict[str, object]:
    """Each text as one REST turn (a new sender every 40 messages); counts by outcome. A
    server error is a 5xx, a body that is not a list of messages, or no answer at all."""
    import asyncio
    import uuid

    import aiohttp

    counts = {"sent": 0, "answered": 0, "refused_4xx": 0, "server_errors": 0}
    errors: list[str] = []
    queue = list(enumerate(texts))
    timeout = aiohttp.ClientTimeout(total=120)

    async def worker(number: int, session: aiohttp.ClientSession) -> None:
        sender = ""
        while queue:
            index, text = queue.pop()
            if index % 40 == 0 or not sender:
                sender = f"fuzz-{number}-{uuid.uuid4().hex[:8]}"
            counts["sent"] += 1
            try:
                async with session.post(
                    f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
                ) as response:
                    body = await response.json(content_type=None)
                    if response.status >= 500 or (
                        response.status == 200 and not isinstance(body, list)
                    ):
                        counts["server_errors"] += 1
                        errors.append(f"{response.status} for message #{index}")
                    elif response.status >= 400:
                        counts["refused_4xx"] += 1
                    else:
                        counts["answered"] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                counts["server_errors"] += 1
                errors.append(f"{type(exc).__name__} for message #{index}")

    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(n, session) for n in range(workers)))
    return {**counts, "errors": errors[:20]}


QUIET = 0.3
"""Seconds without a bot message that end a turn: the next message is sent after the whole
answer, as a person would (sent at the first bot message, the texts queued up behind turns
still running and measured the queue, not the channel)."""
CONNECT_WAIT = 10.0
"""Seconds a (re)connection may take before it counts as refused (python-socketio's 1 s is
less than a busy server needs to accept the namespace)."""


async def _turn_over(answered: asyncio.Event) -> None:
    """Wait until the bot has said nothing for `QUIET` seconds."""
    while True:
        answered.clear()
        try:
            await asyncio.wait_for(answered.wait(), QUIET)
        except asyncio.TimeoutError:
            return


async def through_socketio(url: str, texts: list[str], clients: int = 4) -> dict[str, object]:
    """Each text from a socket.io client (as the widget speaks), waiting for the bot's answer
    (at most 20 s: a message the bot does not answer is counted, not an error). A server
    error is a refused or dropped connection."""
    import asyncio
    import uuid

    import socketio

    counts = {"sent": 0, "answered": 0, "unanswered": 0, "server_errors": 0}
    errors: list[str] = []
    queue = list(enumerate(texts))

    async def client(number: int) -> None:
        sio = socketio.AsyncClient(reconnection=False)
        answered = asyncio.Event()
        sio.on("bot_uttered", lambda *_: answered.set())
        session_id = ""
        try:
            await sio.connect(url, socketio_path="/socket.io", wait_timeout=CONNECT_WAIT)
            while queue:
                index, text = queue.pop()
                if index % 40 == 0 or not session_id:
                    session_id = f"fuzz-sio-{number}-{uuid.uuid4().hex[:8]}"
                    await sio.emit("session_request", {"session_id": session_id})
                answered.clear()
                counts["sent"] += 1
                await sio.emit("user_uttered", {"message": text, "session_id": session_id})
                try:
                    await asyncio.wait_for(answered.wait(), 20)
                    counts["answered"] += 1
                    await _turn_over(answered)
                except asyncio.TimeoutError:
                    counts["unanswered"] += 1
                    session_id = ""  # a fresh conversation for the next one
                if not sio.connected:
                    counts["server_errors"] += 1
                    errors.append(f"connection dropped after message #{index}")
                    await sio.connect(url, socketio_path="/socket.io", wait_timeout=CONNECT_WAIT)
        except (socketio.exceptions.ConnectionError, OSError) as exc:
            counts["server_errors"] += 1
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            await sio.disconnect()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return {**counts, "errors": errors[:20]}


RECORD = re.compile(r"^(?:\x1b\[[0-9;]*m)*\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", re.MULTILINE)
"""The start of a log record (Rasa's format, and Sanic's `[2026-…]`)."""


WEBSOCKET_CLOSED = re.compile(
    r"Invalid response type None \(need HTTPResponse\)|Cannot call write\(\) after write_eof"
)
"""What Sanic 21.12 logs when a socket.io client closes its websocket (engineio returns no
response to the finished upgrade): counted apart, not a failure of a message."""


def _traceback_records(log_text: str) -> Iterator[str]:
    """Each logged record that carries a traceback."""
    starts = [m.start() for m in RECORD.finditer(log_text)] + [len(log_text)]
    for start, end in itertools.pairwise(starts):
        record = log_text[start:end]
        if "Traceback (most recent call last)" in record:
            yield record


def _kind(record: str) -> str:
    """`answered`, `websocket_closed` or `unhandled` (see `log_errors`)."""
    first = record.splitlines()[0]
    if "answering with" in first:
        return "answered"
    if "/socket.io/" in first and WEBSOCKET_CLOSED.search(record):
        return "websocket_closed"
    return "unhandled"


def log_errors(log_text: str) -> dict[str, int]:
    """Logged records with a traceback: `answered` (an action that failed or was too slow,
    the person answered politely by `bot.runtime.patches`; `timeouts` of them were too slow)
    and `unhandled` (every other one: a bug)."""
    counts = {"answered": 0, "timeouts": 0, "websocket_closed": 0, "unhandled": 0}
    for record in _traceback_records(log_text):
        kind = _kind(record)
        counts[kind] += 1
        counts["timeouts"] += kind == "answered" and "exceptions.TimeoutError" in record
    return counts


def _exception(record: str) -> str:
    """The exception a record's last traceback ends with (a warning printed after it without
    a timestamp belongs to the same record, and is not it)."""
    frames = record.rsplit("Traceback (most recent call last):", 1)[-1].splitlines()[1:]
    return next((line.strip() for line in frames if line.strip() and not line[0].isspace()), "")


def unhandled_kinds(log_text: str) -> dict[str, int]:
    """The unhandled records by exception (the last traceback's exception line, its first 200
    characters), so that a benchmark says what went wrong, not only how often."""
    kinds: Counter[str] = Counter()
    for record in _traceback_records(log_text):
        if _kind(record) == "unhandled":
            kinds[_exception(record)[:200]] += 1
    return dict(kinds.most_common(10))
