"""The one error path: every error, from any route, becomes our error page (HTML) or
`{"detail": "..."}` (API and downloads), chosen in `error_response` by the request's path.

Routes raise, they do not answer errors themselves: an unknown slug is a NotFound from a lookup
dependency (app/http/deps.py), a bad parameter a RequestValidationError from the filter's
parser, an unknown filter value an UnknownFilterValue from the query. Unknown paths (404),
wrong methods (405) and unexpected exceptions (500) arrive here too. No stack trace, SQL or
exception text ever reaches the response.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.filtering import UnknownFilterValue
from app.http.negotiation import wants_json
from app.http.responses import CORS_HEADERS
from app.web.security import SECURITY_HEADERS
from app.web.templating import render

log = logging.getLogger(__name__)


class ProblemDetail(BaseModel):
    """An error: what was wrong with the request."""

    detail: str = Field(description="What was wrong, in words")


# The error answers every API operation documents (OpenAPI `responses=`).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag still matches"},
    422: {"model": ProblemDetail, "description": "An unknown filter value or a bad parameter"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemDetail, "description": "No such record"},
}


class NotFound(StarletteHTTPException):
    """No record has this key: a 404 whose page is titled after the record ("Project not
    found") and whose message names the key."""

    def __init__(self, record: str, message: str) -> None:
        super().__init__(404, detail=message)
        self.title = f"{record} not found"


TITLES = {
    400: "Bad request",
    404: "Page not found",
    405: "Method not allowed",
    422: "Bad request",
    500: "Something went wrong",
}
SERVER_ERROR_MESSAGE = (
    "The page could not be shown because of an error on our side. It has been logged; "
    "please try again later."
)


def describe_validation(errors: Any) -> str:
    """One clause per invalid parameter: `page '0': Input should be greater than or equal to 1`."""
    parts = []
    for error in errors:
        location = [
            str(p)
            for p in error.get("loc", ())
            if p not in ("query", "path") and not isinstance(p, int)
        ]
        name = ".".join(location) or "request"
        if error.get("type") == "extra_forbidden":
            parts.append(f"unknown query parameter {name!r}")
            continue
        given = error.get("input")
        value = f" {given!r}" if isinstance(given, str | int | float) else ""
        parts.append(f"{name}{value}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


def error_response(
    request: Request,
    status_code: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Response:
    """The error as `{"detail": message}` for the API and downloads, or our error page."""
    if wants_json(request):
        return JSONResponse(
            {"detail": message},
            status_code=status_code,
            headers={**CORS_HEADERS, **(headers or {})},
        )
    title = title or TITLES.get(status_code) or HTTPStatus(status_code).phrase
    context = {"title": title, "message": message, "status_code": status_code}
    response = render(request, "error.html", context, status_code=status_code)
    response.headers.update(headers or {})
    return response


def _http_message(request: Request, exc: StarletteHTTPException) -> str:
    try:
        default = HTTPStatus(exc.status_code).phrase
    except ValueError:
        default = ""
    # A detail a route chose (a lookup's NotFound) is a sentence for the reader; the
    # framework's is just the phrase.
    if exc.detail and exc.detail != default:
        return str(exc.detail)
    if exc.status_code == 404:
        return f"There is no page at {request.url.path}."
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET")
        return f"{request.method} is not allowed here; this address answers {allowed}."
    return default or "Bad request."


def handle_http(request: Request, exc: Exception) -> Response:
    """404, 405 and any HTTPException a route raises."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405 and (exc.headers or {}).get("Allow") == "OPTIONS":
        # Only the API's catch-all CORS preflight route matched: the path itself is unknown.
        exc = StarletteHTTPException(404)
    message = _http_message(request, exc)
    title = getattr(exc, "title", None)
    return error_response(request, exc.status_code, message, exc.headers, title=title)


def handle_validation(request: Request, exc: Exception) -> Response:
    """A parameter FastAPI could not parse: 422 naming the parameter."""
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 422, describe_validation(exc.errors()))


def handle_unknown_value(request: Request, exc: Exception) -> Response:
    """A filter value the data does not know: 422 naming it, never an empty page."""
    return error_response(request, 422, str(exc), title="Unknown filter value")


def handle_unexpected(request: Request, exc: Exception) -> Response:
    """500 with our page. Starlette sends this outside the middleware stack, so the security
    headers are added here; the exception is re-raised by Starlette for the server's log."""
    try:
        response = error_response(request, 500, SERVER_ERROR_MESSAGE)
    except Exception:  # the template itself may be what failed
        log.exception("error page failed to render")
        response = PlainTextResponse(SERVER_ERROR_MESSAGE, status_code=500)
    for name, value in SECURITY_HEADERS:
        response.headers[name.decode()] = value.decode()
    return response


BUSY_MESSAGE = "The server is busy; please try again in a few seconds."


def handle_pool_timeout(request: Request, exc: Exception) -> Response:
    """No database connection came free in time: 503 with Retry-After, not a 500."""
    log.warning("database pool exhausted: %s", exc)
    return error_response(request, 503, BUSY_MESSAGE, {"Retry-After": "5"})


NUL_MESSAGE = "Addresses and parameters may not contain NUL characters."


class RefuseNul:
    """422 for a NUL anywhere in the path or query, before any route runs: PostgreSQL refuses
    NUL in text, so without this a page looking the value up would fail with a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"\x00" in unquote_to_bytes(scope["query_string"])
        ):
            response = error_response(Request(scope), 422, NUL_MESSAGE)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`, and the NUL guard as the innermost middleware."""
    app.add_middleware(RefuseNul)
    handlers: dict[Any, Any] = {
        StarletteHTTPException: handle_http,
        RequestValidationError: handle_validation,
        UnknownFilterValue: handle_unknown_value,
        PoolTimeout: handle_pool_timeout,
        Exception: handle_unexpected,
    }
    for key, handler in handlers.items():
        app.add_exception_handler(key, handler)
