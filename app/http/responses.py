"""HTTP plumbing shared by the JSON API and the downloads: clear 4xx errors, ETags, CORS.

Errors are turned into `{"detail": "..."}` by a route class rather than app-wide exception
handlers, so the API keeps its own error format whatever the HTML pages do with theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from functools import wraps
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlmodel import Session

from app.api_schemas import ProblemDetail
from app.http.etag import client_has, etag_of
from app.queries.cache import MISSING, VersionedCache
from app.queries.projects import UnknownFilterValue

# Read-only, keyless data: any site may read it from a browser.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Allow": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Accept",
    "Access-Control-Max-Age": "86400",
}
CACHE_CONTROL = "public, max-age=60"

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag still matches"},
    422: {"model": ProblemDetail, "description": "An unknown filter value or a bad parameter"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemDetail, "description": "No such record"},
}


def problem(status: int, detail: str) -> JSONResponse:
    """An error response with the reason in words."""
    return JSONResponse({"detail": detail}, status_code=status, headers=CORS_HEADERS)


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


def _has_nul(request: Request) -> bool:
    # PostgreSQL rejects NUL in text; refuse it up front instead of failing in the database.
    return "\x00" in request.url.path or any(
        "\x00" in key or "\x00" in value for key, value in request.query_params.multi_items()
    )


class ClearErrorsRoute(APIRoute):
    """Turn bad parameters and unknown filter values into 422 with a message, never a 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if _has_nul(request):
                return problem(422, "parameters may not contain NUL characters")
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return problem(422, describe_validation(exc.errors()))
            except UnknownFilterValue as exc:
                return problem(422, str(exc))

        return handle


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """`body` with an ETag (its hash); 304 when the client already has it."""
    etag = etag or etag_of(body)
    common = {**CORS_HEADERS, "ETag": etag, "Cache-Control": CACHE_CONTROL}
    if client_has(request, etag):
        return Response(status_code=304, headers=common)
    return Response(body, media_type=media_type, headers={**common, **(headers or {})})


def json_response(request: Request, model: BaseModel | list[Any]) -> Response:
    """Serialise a response model (or a list of them) with an ETag."""
    if isinstance(model, BaseModel):
        body = model.model_dump_json().encode()
    else:
        from pydantic import TypeAdapter

        body = TypeAdapter(list[Any]).dump_json(model)
    return conditional(request, body, "application/json")


_bodies = VersionedCache(max_entries=512)
R = TypeVar("R", bound=Callable[..., Response])


def cached_json(route: R) -> R:
    """Serve a 200 body again while the URL and the dataset version match (loads bump it)."""

    @wraps(route)
    def wrapper(request: Request, session: Session, *args: Any, **kwargs: Any) -> Response:
        key = (request.url.path, request.url.query)
        hit = _bodies.get(session, key)
        if hit is not MISSING:
            body, etag = hit
            return conditional(request, body, "application/json", etag=etag)
        response = route(request, session, *args, **kwargs)
        if response.status_code == 200 and response.media_type == "application/json":
            _bodies.put(session, key, (bytes(response.body), response.headers["etag"]))
        return response

    return wrapper  # type: ignore[return-value]
