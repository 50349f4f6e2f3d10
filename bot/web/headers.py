"""Security headers on every answer of the web app (an `on_response_prepare` hook).

- every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, and
  `Strict-Transport-Security` when the public origin is https (TLS ends at the proxy in front);
- HTML pages: a Content-Security-Policy — scripts, styles and connections to this origin only
  (its websocket included), no inline code, no plugins; framing by this origin and
  `RELAIS_ALLOWED_ORIGINS` for the public pages, by nobody for the console.
"""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings
from bot.web import keys

HSTS = "max-age=31536000; includeSubDomains"
PRIVATE_PREFIXES = ("/console",)
"""Pages nobody may frame (clickjacking a counsellor's session)."""


def content_security_policy(websocket_origin: str, frame_ancestors: list[str]) -> str:
    """Scripts and styles from this origin only; no inline code, no plugins."""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {websocket_origin}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def frame_ancestors(settings: Settings, path: str) -> list[str]:
    if path.startswith(PRIVATE_PREFIXES):
        return []
    return ["'self'", *settings.allowed_origins]


def security_headers(app: web.Application):
    """The hook, for `app.on_response_prepare` (aiohttp 3.9 types its signals oddly)."""

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        settings = app[keys.SETTINGS]
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if settings.public_url.startswith("https://"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.content_type == "text/html":
            secure = settings.public_url.startswith("https://") or request.scheme == "https"
            websocket = f"{'wss' if secure else 'ws'}://{request.host}"
            headers.setdefault(
                "Content-Security-Policy",
                content_security_policy(websocket, frame_ancestors(settings, request.path)),
            )

    return add_headers
