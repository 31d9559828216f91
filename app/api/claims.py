"""The claims explorer as data: /api/v1/claims (pages of claims with facets) and one claim by
its slug. Same `ClaimFilter` (app/http/deps.py) and query functions as the /claims page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.http.cache import cached_response
from app.http.deps import ClaimQuery
from app.http.errors import ERROR_RESPONSES, NOT_FOUND, NotFound
from app.http.responses import json_response
from app.queries.claim_list import ClaimPage, ClaimRow, claim_row, list_claims

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get(
    "/claims",
    response_model=ClaimPage,
    responses=ERROR_RESPONSES,
    summary="Emission claims with who made them and what their checks found",
)
@cached_response
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
        raise NotFound("Claim", f"unknown claim {slug!r}")
    return json_response(request, found)
