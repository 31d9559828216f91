"""CSV, GeoJSON and data-package downloads.

Downloads take the same query parameters as the pages and the API (app/http/deps.py) and go
through the same query code. Errors are raised and answered by app/http/errors.py as
`{"detail": "..."}` with a 4xx status, as in the API.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.exports import metrics_csv, package_zip, projects_csv, projects_geojson, statements_csv
from app.http.cache import cached_response
from app.http.deps import MetricQuery, ProjectQuery, StatementQuery
from app.http.responses import conditional

router = APIRouter(include_in_schema=False)

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


@router.get(f"/data/{PACKAGE_FILE}")
@cached_response  # the zip is rebuilt only when a load changes the dataset version
def data_package_download(request: Request, session: SessionDep) -> Response:
    """The whole dataset as a Frictionless data package (zip of CSVs + datapackage.json)."""
    body = package_zip(session.connection())
    return conditional(request, body, "application/zip", _attachment(PACKAGE_FILE))
