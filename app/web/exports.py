"""CSV, GeoJSON and data-package downloads, and the offline API docs at /docs.

Downloads take the same query parameters as the pages and the API and go through the same
query code. Errors are `{"detail": "..."}` with a 4xx status, as in the API.
"""

from __future__ import annotations

import json
import threading

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.db import SessionDep
from app.exports import metrics_csv, package_zip, projects_csv, projects_geojson, statements_csv
from app.http.deps import MetricQuery, ProjectQuery, StatementQuery
from app.http.responses import ClearErrorsRoute, conditional
from app.queries.cache import current_version
from app.web.static import static_url

router = APIRouter(include_in_schema=False, route_class=ClearErrorsRoute)

CSV = "text/csv; charset=utf-8"
PACKAGE_FILE = "bri-tracker-datapackage.zip"


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@router.get("/projects.csv")
def projects_csv_download(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """Every project matching the catalogue filter (all pages), as UTF-8 CSV."""
    body = projects_csv(session, filters).encode("utf-8")
    return conditional(request, body, CSV, _attachment("projects.csv"))


@router.get("/projects.geojson")
def projects_geojson_download(
    request: Request, session: SessionDep, filters: ProjectQuery
) -> Response:
    """Projects matching the filter that have sourced coordinates, as a FeatureCollection."""
    collection = projects_geojson(session, filters)
    body = json.dumps(collection, ensure_ascii=False).encode("utf-8")
    return conditional(request, body, "application/geo+json", _attachment("projects.geojson"))


@router.get("/metrics.csv")
def metrics_csv_download(request: Request, session: SessionDep, filters: MetricQuery) -> Response:
    """Every metric matching the filter, with basis and source, as UTF-8 CSV."""
    body = metrics_csv(session, filters).encode("utf-8")
    return conditional(request, body, CSV, _attachment("metrics.csv"))


@router.get("/statements.csv")
def statements_csv_download(
    request: Request, session: SessionDep, filters: StatementQuery
) -> Response:
    """Every statement matching the filter, with speaker and source, as UTF-8 CSV."""
    body = statements_csv(session, filters).encode("utf-8")
    return conditional(request, body, CSV, _attachment("statements.csv"))


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
