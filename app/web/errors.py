"""App-wide error handlers: our error page for HTML, `{"detail": ...}` for the JSON API.

Routes answer their own expected errors (unknown slug, bad filter). These handlers catch what
falls through to the framework: unknown paths (404), wrong methods (405), validation errors and
unexpected exceptions (500). No stack trace, SQL or exception text ever reaches the response.
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
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.responses import CORS_HEADERS, describe_validation
from app.web.security import SECURITY_HEADERS
from app.web.templating import render

log = logging.getLogger(__name__)

DOWNLOAD_SUFFIXES = (".csv", ".geojson", ".json", ".zip")

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


def wants_json(request: Request) -> bool:
    """The JSON API and the downloads answer errors in JSON; pages get the HTML error page."""
    path = request.url.path
    return path.startswith("/api/") or path.endswith(DOWNLOAD_SUFFIXES)


def error_response(
    request: Request,
    status_code: int,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as `{"detail": message}` for the API, or our error page for everything else."""
    if wants_json(request):
        return JSONResponse(
            {"detail": message},
            status_code=status_code,
            headers={**CORS_HEADERS, **(headers or {})},
        )
    title = TITLES.get(status_code) or HTTPStatus(status_code).phrase
    context = {"title": title, "message": message, "status_code": status_code}
    response = render(request, "error.html", context, status_code=status_code)
    response.headers.update(headers or {})
    return response


def _http_message(request: Request, exc: StarletteHTTPException) -> str:
    if exc.status_code == 404:
        return f"There is no page at {request.url.path}."
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET")
        return f"{request.method} is not allowed here; this address answers {allowed}."
    try:
        default = HTTPStatus(exc.status_code).phrase
    except ValueError:
        default = ""
    # A detail a route chose is a sentence for the reader; the framework's is just the phrase.
    return exc.detail if exc.detail and exc.detail != default else (default or "Bad request.")


def handle_http(request: Request, exc: Exception) -> Response:
    """404, 405 and any HTTPException a route raises."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405 and (exc.headers or {}).get("Allow") == "OPTIONS":
        # Only the API's catch-all CORS preflight route matched: the path itself is unknown.
        exc = StarletteHTTPException(404)
    return error_response(request, exc.status_code, _http_message(request, exc), exc.headers)


def handle_validation(request: Request, exc: Exception) -> Response:
    """A parameter FastAPI could not parse: 422 naming the parameter."""
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 422, describe_validation(exc.errors()))


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
        PoolTimeout: handle_pool_timeout,
        Exception: handle_unexpected,
    }
    for key, handler in handlers.items():
        app.add_exception_handler(key, handler)
