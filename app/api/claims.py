"""The claims explorer as data: /api/v1/claims (pages of claims with facets), one claim by its
slug, and /claims.csv (every matching claim, one row per reading of its wording).

Same `ClaimFilter` and query functions as the /claims page (app/queries/claim_list.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db import SessionDep
from app.exports import write_csv
from app.http.deps import ClaimQuery
from app.http.responses import (
    ERROR_RESPONSES,
    NOT_FOUND,
    ClearErrorsRoute,
    cached_json,
    conditional,
    json_response,
    problem,
)
from app.queries.claim_list import (
    ClaimFilter,
    ClaimPage,
    ClaimRow,
    all_claims,
    claim_row,
    list_claims,
)

router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ClearErrorsRoute)
downloads = APIRouter(include_in_schema=False, route_class=ClearErrorsRoute)

CSV_COLUMNS = [
    "claim_slug",
    "permalink",
    "project_slug",
    "project_name",
    "claimant",
    "stated_on",
    "kind",
    "as_stated",
    "value",
    "value_high",
    "unit",
    "qualifier",
    "period",
    "baseline",
    "canonical_value",
    "canonical_unit",
    "reading",
    "check",
    "verdict",
    "ratio",
    "expected_low",
    "expected_high",
    "expected_unit",
    "weak_check",
    "why",
    "source_slug",
    "source_title",
    "source_url",
]


@router.get(
    "/claims",
    response_model=ClaimPage,
    responses=ERROR_RESPONSES,
    summary="Emission claims with who made them and what their checks found",
)
@cached_json
def claims(request: Request, session: SessionDep, filters: ClaimQuery) -> Response:
    """One item per claim: project, claimant, date, value as stated, period, baseline, each
    reading's verdict with its expected range, ratio and reason, and the source.

    The same parameters as the /claims page and /claims.csv; an unknown sector, country or
    region is a 422."""
    return json_response(request, list_claims(session, filters=filters))


@router.get(
    "/claims/{slug:path}",
    response_model=ClaimRow,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One claim and its checks",
)
def claim(request: Request, session: SessionDep, slug: str) -> Response:
    """A claim by its slug (project/claim), with its checks."""
    found = claim_row(session, slug=slug)
    if found is None:
        return problem(404, f"unknown claim {slug!r}")
    return json_response(request, found)


def claims_csv(session: Session, filters: ClaimFilter, base_url: str) -> str:
    """Every claim matching the filter as CSV, one row per reading of its wording."""
    rows = []
    for c in all_claims(session, filters=filters):
        head: list[Any] = [
            c.slug,
            base_url + c.url,
            c.project_slug,
            c.project_name,
            c.claimant,
            c.stated_on,
            c.kind,
            c.as_stated,
            c.value,
            c.value_high,
            c.unit,
            c.qualifier,
            c.period,
            c.baseline,
            c.canonical_value,
            c.canonical_unit,
        ]
        tail = [c.source_slug, c.source_title, c.source_url]
        for k in c.checks:
            check = [k.reading, k.check, k.verdict, k.ratio, k.expected_low, k.expected_high]
            rows.append(head + check + [k.expected_unit, k.weak, k.why] + tail)
    return write_csv(CSV_COLUMNS, rows)


@downloads.get("/claims.csv")
def claims_csv_download(request: Request, session: SessionDep, filters: ClaimQuery) -> Response:
    """Every claim matching the explorer's filter (all pages), as UTF-8 CSV."""
    base_url = str(request.base_url).rstrip("/")
    body = claims_csv(session, filters, base_url).encode("utf-8")
    headers = {"Content-Disposition": 'attachment; filename="claims.csv"'}
    return conditional(request, body, "text/csv; charset=utf-8", headers)
