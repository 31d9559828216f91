"""CSV, GeoJSON and data-package downloads.

Downloads take the same query parameters as the pages and the API (app/http/deps.py) and go
through the same query code. CSV and GeoJSON stream from one ordered query (app/exports.py),
at most BRI_EXPORT_CONCURRENCY at once per process. Errors are raised and answered by
app/http/errors.py as `{"detail": "..."}` with a 4xx status, as in the API.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
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
from app.http.cache import cached_response
from app.http.deps import MetricQuery, ProjectQuery, StatementQuery
from app.http.etag import client_has
from app.http.responses import CACHE_CONTROL, CORS_HEADERS, conditional
from app.queries.cache import current_version

router = APIRouter(include_in_schema=False)

CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"
PACKAGE_FILE = "bri-tracker-datapackage.zip"


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


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
    is held only while the body is sent. How many downloads run at once is bounded for the
    whole response, first byte to last, by ExportLimitMiddleware (app/web/security.py)."""
    statement = build(session)  # unknown filter values raise here: a 422, not a broken body
    etag = _etag(request, session)
    headers = {**CORS_HEADERS, "ETag": etag, "Cache-Control": CACHE_CONTROL}
    if client_has(request, etag):
        return Response(status_code=304, headers=headers)
    session.close()  # the page's connection goes back to the pool before the long read
    engine: Engine = request.app.state.engine

    def chunks() -> Generator[bytes]:
        with engine.connect() as conn:
            for text in write(conn, statement):
                yield text.encode("utf-8")

    return StreamingResponse(
        _closing(chunks()), media_type=media_type, headers={**headers, **_attachment(filename)}
    )


async def _closing(chunks: Generator[bytes]) -> AsyncIterator[bytes]:
    """Send `chunks` from a worker thread; close the generator (its connection) in a thread
    too, also when the client goes away mid-download."""
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


@router.get(f"/data/{PACKAGE_FILE}")
@cached_response  # the zip is rebuilt only when a load changes the dataset version
def data_package_download(request: Request, session: SessionDep) -> Response:
    """The whole dataset as a Frictionless data package (zip of CSVs + datapackage.json)."""
    body = package_zip(session.connection())
    return conditional(request, body, "application/zip", _attachment(PACKAGE_FILE))
