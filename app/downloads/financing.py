"""Financing downloads: /financing.csv (the catalogue filter) and one project's records."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.exports import write_csv
from app.financing import queries
from app.http.deps import FoundProject, ProjectQuery
from app.http.responses import conditional
from app.projects.catalogue import all_matching_slugs

router = APIRouter(include_in_schema=False)

CSV = "text/csv; charset=utf-8"


def _csv(request: Request, rows: list[list[object]], filename: str) -> Response:
    body = write_csv(queries.FINANCING_CSV_COLUMNS, rows).encode("utf-8")
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return conditional(request, body, CSV, headers)


@router.get("/financing.csv")
def financing_csv(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """Financing records of every project matching the catalogue filter, as UTF-8 CSV."""
    slugs = all_matching_slugs(session, filters=filters)
    return _csv(request, queries.financing_rows(session, project_slugs=slugs), "financing.csv")


@router.get("/projects/{slug}/financing.csv")
def project_financing_csv(request: Request, session: SessionDep, slug: FoundProject) -> Response:
    """One project's financing records, as UTF-8 CSV."""
    rows = queries.financing_rows(session, project_slugs=[slug])
    return _csv(request, rows, f"{slug}-financing.csv")
