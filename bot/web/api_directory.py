"""Routes of this API area."""

from __future__ import annotations

from aiohttp import web


def setup_routes(app: web.Application) -> None:
    """Add this area's routes to `app`."""
