"""CSV, GeoJSON and data-package downloads, and the offline API docs at /docs.

Downloads take the same query parameters as the pages and the API and go through the same
query code. Errors are `{"detail": "..."}` with a 4xx status, as in the API.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from sqlalchemy import Select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import SessionDep
from app.exports import (
    metrics_csv_chunks,
    metrics_query,
    package_zip,
    projects_csv_chunks,
    projects_geojson_chunks,
    projects_query,
    statements_csv_chunks,
    statements_query,
)
from app.http.deps import MetricQuery, ProjectQuery, StatementQuery
from app.http.etag import client_has
from app.http.responses import CACHE_CONTROL, CORS_HEADERS, ClearErrorsRoute, conditional
from app.queries.cache import current_version
from app.web.static import static_url

router = APIRouter(include_in_schema=False, route_class=ClearErrorsRoute)

CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"
PACKAGE_FILE = "bri-tracker-datapackage.zip"


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


# At most this many downloads stream at once per process; each holds a pooled connection and
# a thread while it streams, so a crawler fetching every CSV link cannot take all of them from
# the pages. One more gets 503 with Retry-After straight away (it never queues).
EXPORT_RETRY_AFTER_S = 5


def _slots(request: Request) -> threading.BoundedSemaphore:
    state = request.app.state
    slots: threading.BoundedSemaphore | None = getattr(state, "export_slots", None)
    if slots is None:
        with _slots_lock:
            slots = getattr(state, "export_slots", None)
            if slots is None:
                slots = threading.BoundedSemaphore(state.settings.export_concurrency)
                state.export_slots = slots
    return slots


_slots_lock = threading.Lock()


def _busy() -> Response:
    return JSONResponse(
        {"detail": "too many downloads at once; retry shortly"},
        status_code=503,
        headers={"Retry-After": str(EXPORT_RETRY_AFTER_S)},
    )


def _etag(request: Request, session: SessionDep) -> str:
    """A download's ETag: its URL and the dataset version (the body is not held to hash)."""
    key = f"{current_version(session)} {request.url.path}?{request.url.query}"
    return 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _stream(
    request: Request,
    session: SessionDep,
    build: Callable[[Session], Select[Any]],
    write: Callable[[Connection, Select[Any]], Iterator[str]],
    media_type: str,
    filename: str,
) -> Response:
    """Check the filter, then stream `write(conn, query)` from a connection of its own that
    is held only while the body is sent, inside one of the bounded download slots."""
    statement = build(session)  # unknown filter values raise here: a 422, not a broken body
    etag = _etag(request, session)
    headers = {**CORS_HEADERS, "ETag": etag, "Cache-Control": CACHE_CONTROL}
    if client_has(request, etag):
        return Response(status_code=304, headers=headers)
    slots = _slots(request)
    if not slots.acquire(blocking=False):
        return _busy()
    session.close()  # the page's connection goes back to the pool before the long read
    engine: Engine = request.app.state.engine

    def chunks() -> Generator[bytes]:
        try:
            with engine.connect() as conn:
                for text in write(conn, statement):
                    yield text.encode("utf-8")
        finally:
            slots.release()

    return StreamingResponse(
        _closing(chunks()), media_type=media_type, headers={**headers, **_attachment(filename)}
    )


async def _closing(chunks: Generator[bytes]) -> AsyncIterator[bytes]:
    """Send `chunks` from a worker thread; close the generator (its connection and download
    slot) in a thread too, also when the client goes away mid-download."""
    try:
        while True:
            chunk = await run_in_threadpool(next, chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        await run_in_threadpool(chunks.close)


@router.get("/projects.csv")
def projects_csv_download(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """Every project matching the catalogue filter (all pages), as UTF-8 CSV."""
    build = partial(projects_query, filters=filters)
    return _stream(request, session, build, projects_csv_chunks, CSV, "projects.csv")


@router.get("/projects.geojson")
def projects_geojson_download(
    request: Request, session: SessionDep, filters: ProjectQuery
) -> Response:
    """Projects matching the filter that have sourced coordinates, as a FeatureCollection."""
    build = partial(projects_query, filters=filters)
    return _stream(request, session, build, projects_geojson_chunks, GEOJSON, "projects.geojson")


@router.get("/metrics.csv")
def metrics_csv_download(request: Request, session: SessionDep, filters: MetricQuery) -> Response:
    """Every metric matching the filter, with basis and source, as UTF-8 CSV."""
    build = partial(metrics_query, filters=filters)
    return _stream(request, session, build, metrics_csv_chunks, CSV, "metrics.csv")


@router.get("/statements.csv")
def statements_csv_download(
    request: Request, session: SessionDep, filters: StatementQuery
) -> Response:
    """Every statement matching the filter, with speaker and source, as UTF-8 CSV."""
    build = partial(statements_query, filters=filters)
    return _stream(request, session, build, statements_csv_chunks, CSV, "statements.csv")


# The zip is rebuilt only when a load changes the dataset version.
_package_lock = threading.Lock()
_package_cache: dict[tuple[int, int], bytes] = {}


@router.get(f"/data/{PACKAGE_FILE}")
def data_package_download(request: Request, session: SessionDep) -> Response:
    """The whole dataset as a Frictionless data package (zip of CSVs + datapackage.json)."""
    key = (id(session.get_bind()), current_version(session))
    with _package_lock:
        body = _package_cache.get(key)
    if body is None:
        body = package_zip(session.connection())
        with _package_lock:
            _package_cache.clear()
            _package_cache[key] = body
    return conditional(request, body, "application/zip", _attachment(PACKAGE_FILE))


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Green BRI Tracker API: documentation</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
</head>
<body>
<main id="swagger-ui" data-openapi-url="{openapi}"></main>
<noscript><p>The interactive documentation needs JavaScript. The API description is at
<a href="{openapi}">{openapi}</a>.</p></noscript>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI for /openapi.json, served from static/vendor/ (works offline)."""
    openapi = request.app.openapi_url or "/openapi.json"
    page = DOCS_PAGE.format(
        css=static_url("vendor/swagger-ui/swagger-ui.css"),
        bundle=static_url("vendor/swagger-ui/swagger-ui-bundle.js"),
        init=static_url("vendor/swagger-ui/bri-docs.js"),
        openapi=openapi,
    )
    return HTMLResponse(page)
