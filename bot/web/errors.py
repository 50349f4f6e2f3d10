"""JSON errors in both languages: the one shape every API error takes.

{"error": {"code": "not_found", "message": {"fr": "…", "en": "…"}}}
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import texts


def error_body(code: str, text_key: str, **variables: Any) -> dict[str, Any]:
    """The JSON body of an error, its message taken from the text catalog."""
    return {"error": {"code": code, "message": texts.both(text_key, **variables)}}


def json_error(status: int, code: str, text_key: str, **variables: Any) -> web.HTTPException:
    """An aiohttp HTTP exception carrying a bilingual JSON body; `raise` it."""
    exception_class = web.HTTPException
    for candidate in (
        web.HTTPBadRequest,
        web.HTTPUnauthorized,
        web.HTTPForbidden,
        web.HTTPNotFound,
        web.HTTPMethodNotAllowed,
        web.HTTPConflict,
        web.HTTPRequestEntityTooLarge,
        web.HTTPTooManyRequests,
        web.HTTPInternalServerError,
        web.HTTPServiceUnavailable,
    ):
        if candidate.status_code == status:
            exception_class = candidate  # type: ignore[assignment]
            break
    return exception_class(
        text=web.json_response(error_body(code, text_key, **variables)).text,
        content_type="application/json",
    )


def bad_request(text_key: str, **variables: Any) -> web.HTTPException:
    """400 with a bilingual message: for bad parameters."""
    return json_error(400, "bad_request", text_key, **variables)


def not_found(text_key: str = "api.error.not_found", **variables: Any) -> web.HTTPException:
    """404 with a bilingual message."""
    return json_error(404, "not_found", text_key, **variables)
