"""Rasa's channels on the web app's origin: a streaming reverse proxy to Rasa on 127.0.0.1.

People reach one public origin (`RELAIS_PUBLIC_URL`); Rasa and the action server listen on
loopback only. Proxied here:

- `POST /webhooks/rest/webhook` — the REST channel (the widget's fallback, tools);
- `/socket.io/` — the widget's socket.io channel, long-polling and the websocket upgrade
  (frames relayed both ways);
- `GET /webhooks/twilio_sms/`, `POST /webhooks/twilio_sms/webhook` — the SMS channel.

Rasa's API (`/conversations/…`, `/model`, `/webhooks/relais_privacy/…`) stays unreachable
from outside. Hop-by-hop headers are dropped, the client address goes to Rasa as
`X-Forwarded-For`, request bodies are bounded (`RELAIS_PROXY_MAX_BODY`; read whole, since the
sender they name is what the limits count) and answers are streamed back as they come.

Chat messages are limited here (`bot.limits`): per conversation (`RELAIS_LIMIT_MESSAGES_PER_
MINUTE`) and, far higher, per client address. Over a limit: HTTP 429, `Retry-After` and a
short bilingual text — over the websocket, the text comes back as a bot message instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TypeAlias
from urllib.parse import parse_qs

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from bot import texts
from bot.limits import Limiter, MemoryLimiter, RedisLimiter, retry_after
from bot.settings import Settings
from bot.web import keys
from bot.web.errors import error_body

log = logging.getLogger(__name__)

REST_PATH = "/webhooks/rest/webhook"
SOCKET_PATH = "/socket.io/"
SMS_PATHS = ("/webhooks/twilio_sms/", "/webhooks/twilio_sms/webhook")
USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
LIMIT_TEXT = "api.error.rate_limited"

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
"""Headers that belong to one connection, not to the message (RFC 9110 §7.6.1), plus the
ones the client library sets itself for the next hop."""
WEBSOCKET_ONLY = frozenset(
    {
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-accept",
    }
)

UPSTREAM = web.AppKey("rasa_proxy_session", aiohttp.ClientSession)
LIMITER = web.AppKey("rasa_proxy_limiter", Limiter)
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=5, sock_read=120)


class Limited(Exception):
    """Over a limit; `wait` is how many seconds until the next message is accepted."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


def forward_headers(headers: Iterable[tuple[str, str]], *, websocket: bool = False) -> CIMultiDict:
    """The end-to-end headers of a message, without hop-by-hop ones (and those the
    `Connection` header names)."""
    items = list(headers)
    named = {
        token.strip().lower()
        for name, value in items
        if name.lower() == "connection"
        for token in value.split(",")
    }
    dropped = HOP_BY_HOP | named | (WEBSOCKET_ONLY if websocket else frozenset())
    return CIMultiDict((name, value) for name, value in items if name.lower() not in dropped)


def client_address(request: web.Request, trusted: tuple[str, ...]) -> str:
    """The person's address: the peer, or — when the peer is a trusted proxy (nginx) — the
    nearest address of its `X-Forwarded-For` that is not itself a trusted proxy."""
    peer = request.remote or ""
    if peer not in trusted:
        return peer
    chain = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    for address in reversed([part for part in chain if part]):
        if address not in trusted:
            return address
    return peer


def upstream_headers(request: web.Request, client: str, *, websocket: bool = False) -> CIMultiDict:
    headers = forward_headers(request.headers.items(), websocket=websocket)
    for private in ("X-Forwarded-For", "Cookie", "Authorization"):  # Rasa needs none of these
        headers.popall(private, None)
    headers["X-Forwarded-For"] = client
    headers["X-Forwarded-Proto"] = request.headers.get("X-Forwarded-Proto", request.scheme)
    headers["X-Forwarded-Host"] = request.headers.get("X-Forwarded-Host", request.host)
    return headers


# -- limits -----------------------------------------------------------------------------------


async def check_message(app: web.Application, client: str, sender: str | None) -> None:
    """Count one chat message of `sender` from `client`; raise `Limited` when over a limit.

    The address ceiling is counted first and only for messages its sender may send, so one
    busy sender never uses up the budget of the others behind the same address.
    """
    limits = app[keys.SETTINGS].limits
    limiter = app[LIMITER]
    if sender:
        wait = await limiter.hit(f"sender:{sender}", limits.messages_per_minute, 60.0)
        if wait:
            raise Limited(wait)
    if client:
        wait = await limiter.hit(f"address:{client}", limits.address_messages_per_minute, 60.0)
        if wait:
            raise Limited(wait)


def limited_response(wait: float) -> web.Response:
    """429, `Retry-After` and the bilingual text."""
    return web.json_response(
        error_body("rate_limited", LIMIT_TEXT),
        status=429,
        headers={"Retry-After": retry_after(wait)},
    )


def limited_bot_message(wait: float) -> str:
    """The socket.io frame that tells the person, in both languages, to slow down."""
    both = texts.both(LIMIT_TEXT)
    payload = {
        "text": f"{both['fr']}\n\n{both['en']}",
        "rate_limited": True,
        "retry_after": int(retry_after(wait)),
    }
    return "42" + json.dumps([BOT_EVENT, payload], ensure_ascii=False)


def rest_sender(body: bytes) -> str | None:
    try:
        sender = json.loads(body).get("sender")
    except (ValueError, AttributeError):
        return None
    return str(sender) if sender is not None else None


def sms_sender(body: bytes) -> str | None:
    found = parse_qs(body.decode("utf-8", "replace")).get("From")
    return found[0] if found else None


def socket_senders(payload: str) -> list[str | None]:
    """The session ids of the `user_uttered` events in an engine.io payload (one entry per
    event; None when it names none). Packets are separated by \\x1e (engine.io 4)."""
    senders: list[str | None] = []
    for packet in payload.split("\x1e"):
        if not packet.startswith("42"):
            continue
        data = packet[2:]
        if data.startswith("/"):  # a namespace: 42/chat,["event",…]
            data = data.partition(",")[2]
        while data[:1].isdigit():  # an acknowledgement id
            data = data[1:]
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if isinstance(event, list) and event and event[0] == USER_EVENT:
            body = event[1] if len(event) > 1 and isinstance(event[1], dict) else {}
            session = body.get("session_id")
            senders.append(str(session) if session else None)
    return senders


# -- plain HTTP ---------------------------------------------------------------------------


async def read_bounded(request: web.Request, limit: int) -> bytes:
    """The request body, or 413 (bilingual) past `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> web.HTTPException:
    return web.HTTPRequestEntityTooLarge(
        max_size=limit,
        actual_size=limit + 1,
        text=json.dumps(error_body("too_large", "api.error.too_large", limit=limit)),
        content_type="application/json",
    )


async def proxy(request: web.Request) -> web.StreamResponse:
    """Forward one request to Rasa; stream its answer back."""
    settings: Settings = request.app[keys.SETTINGS]
    client = client_address(request, settings.trusted_proxies)
    if request.path == SOCKET_PATH and request.headers.get("Upgrade", "").lower() == "websocket":
        return await proxy_websocket(request, client)
    body = await read_bounded(request, settings.proxy_max_body)
    try:
        await check_request(request, client, body)
    except Limited as limited:
        return limited_response(limited.wait)
    url = settings.rasa_url + request.path_qs
    try:
        async with request.app[UPSTREAM].request(
            request.method,
            url,
            headers=upstream_headers(request, client),
            data=body if body else None,
            allow_redirects=False,
        ) as upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            response.headers.extend(forward_headers(upstream.headers.items()))
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("Rasa unreachable through the proxy: %s", type(exc).__name__)
        return web.json_response(
            error_body("rasa_unavailable", "widget.error.rasa_unavailable"), status=502
        )


async def check_request(request: web.Request, client: str, body: bytes) -> None:
    """The limits of the chat messages a request carries (none for other requests)."""
    if request.method != "POST":
        return
    if request.path == REST_PATH:
        await check_message(request.app, client, rest_sender(body))
    elif request.path == SMS_PATHS[1]:
        # The provider's few addresses carry everyone's texts: only the phone is counted.
        await check_message(request.app, "", sms_sender(body))
    elif request.path == SOCKET_PATH:
        for sender in socket_senders(body.decode("utf-8", "replace")):
            await check_message(request.app, client, sender)


# -- websocket ----------------------------------------------------------------------------


def origin_allowed(request: web.Request) -> bool:
    """A browser's websocket is not bound by CORS: its `Origin` must be one we allow."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser (tools, tests)
    allowed = set(request.app[keys.SETTINGS].allowed_origins)
    return origin.rstrip("/") in allowed or origin == f"{request.scheme}://{request.host}"


async def proxy_websocket(request: web.Request, client: str) -> web.StreamResponse:
    """Open the same websocket to Rasa, then relay frames both ways until either side ends."""
    if not origin_allowed(request):
        return web.json_response(error_body("forbidden", "api.error.origin_refused"), status=403)
    settings: Settings = request.app[keys.SETTINGS]
    url = settings.rasa_url.replace("http", "ws", 1) + request.path_qs
    try:
        upstream = await request.app[UPSTREAM].ws_connect(
            url,
            headers=upstream_headers(request, client, websocket=True),
            autoping=False,
            max_msg_size=settings.proxy_max_body,
        )
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("Rasa websocket unreachable through the proxy: %s", type(exc).__name__)
        return web.json_response(
            error_body("rasa_unavailable", "widget.error.rasa_unavailable"), status=502
        )
    downstream = web.WebSocketResponse(autoping=False, max_msg_size=settings.proxy_max_body)
    await downstream.prepare(request)

    async def admitted(text: str) -> bool:
        """A person's frame goes on to Rasa unless its sender is over the limit (then the
        person is told, in their language, when to write again)."""
        try:
            for sender in socket_senders(text):
                await check_message(request.app, client, sender)
        except Limited as limited:
            await downstream.send_str(limited_bot_message(limited.wait))
            return False
        return True

    try:
        await asyncio.gather(_relay(downstream, upstream, admitted), _relay(upstream, downstream))
    finally:
        await upstream.close()
        await downstream.close()
    return downstream


WebSocket: TypeAlias = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


async def _relay(
    source: WebSocket,
    target: WebSocket,
    admitted: Callable[[str], Awaitable[bool]] | None = None,
) -> None:
    """Every frame from `source` to `target` as it is (text frames only once `admitted`),
    until either side closes; then the other side is closed too. A side that goes away
    while a frame is written to it ends the relay like a close would."""
    try:
        async for message in source:
            if message.type == WSMsgType.TEXT:
                if admitted is None or await admitted(message.data):
                    await target.send_str(message.data)
            elif message.type == WSMsgType.BINARY:
                await target.send_bytes(message.data)
            elif message.type == WSMsgType.PING:
                await target.ping(message.data)
            elif message.type == WSMsgType.PONG:
                await target.pong(message.data)
    except ConnectionResetError:
        pass
    finally:
        await target.close()


# -- set-up -------------------------------------------------------------------------------


async def upstream_session(app: web.Application) -> AsyncIterator[None]:
    """One pooled client to Rasa for every proxied request (a cleanup context). Answers are
    relayed as they are, compressed or not."""
    connector = aiohttp.TCPConnector(limit=512)
    async with aiohttp.ClientSession(
        connector=connector, timeout=UPSTREAM_TIMEOUT, auto_decompress=False
    ) as session:
        app[UPSTREAM] = session
        yield


async def shared_limits(app: web.Application) -> AsyncIterator[None]:
    """Close the Redis limiter's connections with the app (a cleanup context)."""
    yield
    limiter = app[LIMITER]
    if isinstance(limiter, RedisLimiter):
        await limiter.aclose()


def default_limiter(settings: Settings) -> Limiter:
    """Limits in Redis when several web apps share it (`RELAIS_REDIS_URL`), so a sender
    spreading messages over them is counted once; else in this process's memory."""
    if settings.redis_url:
        return RedisLimiter(settings.redis_url, settings.redis_prefix)
    return MemoryLimiter()


def setup_routes(app: web.Application, limiter: Limiter | None = None) -> None:
    """Add Rasa's public channels to `app` (limits: `default_limiter` unless given)."""
    app[LIMITER] = limiter or default_limiter(app[keys.SETTINGS])
    app.cleanup_ctx.append(shared_limits)
    app.router.add_route("POST", REST_PATH, proxy, name="rasa_rest")
    app.router.add_route("OPTIONS", REST_PATH, proxy)
    app.router.add_route("*", SOCKET_PATH, proxy, name="rasa_socketio")
    app.router.add_route("GET", SMS_PATHS[0], proxy, name="rasa_sms_health")
    app.router.add_route("POST", SMS_PATHS[1], proxy, name="rasa_sms")
    app.cleanup_ctx.append(upstream_session)
