"""The claims explorer pages: /claims (one row per claim, filters, sort, pages) and the
permalink /claims/{project}/{claim} with the claim's check in full. (The claims charts'
chart-only pages are in app/web/embed_pages.py with every other chart's.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.changelog import queries as changelog
from app.db import SessionDep
from app.http.cache import cached_response
from app.http.deps import ClaimQuery
from app.http.errors import NotFound
from app.queries.checks import checks_for_project
from app.queries.claim_list import SORT_LABELS, VERDICT_ORDER, claim_row, list_claims
from app.web.pages import _sector_names, cite
from app.web.templating import render

router = APIRouter(include_in_schema=False)

FILTER_NAMES = {
    "verdict": "Verdict",
    "project": "Project",
    "sector": "Sector",
    "country": "Country",
    "region": "Region",
    "claimant": "Claimant",
    "period": "Period",
}


@router.get("/claims")
@cached_response
def claims(request: Request, session: SessionDep, filters: ClaimQuery) -> Response:
    """Every checked claim: who said it, when, as stated, and what the check found."""
    context = {
        "page": list_claims(session, filters=filters),
        "filter": filters,
        "sort_labels": SORT_LABELS,
        "filter_names": FILTER_NAMES,
        "sector_names": _sector_names(session),
    }
    return render(request, "claims.html", context, block="claims_body")


@router.get("/claims/{slug:path}")
@cached_response
def claim_page(request: Request, session: SessionDep, slug: str) -> Response:
    """One claim with its check in full: the arithmetic and the source of every input."""
    found = claim_row(session, slug=slug)
    if found is None:
        raise NotFound("Claim", f"No checked claim has the slug {slug!r}.")
    mine = checks_for_project(session, slug=found.project_slug).checks
    # The least favourable reading first, as in the explorer's row.
    checks = sorted(
        (c for c in mine if c.metric_slug == found.slug),
        key=lambda c: VERDICT_ORDER.index(str(c.verdict)),
    )
    title = f"{found.as_stated} — {found.claimant or 'unnamed claimant'}, {found.project_name}"
    context = {
        "claim": found,
        "checks": checks,
        "citation": cite(request, session, title=title),
        "last_changed": changelog.last_changed(session, kind="figure", slug=found.slug),
    }
    return render(request, "claim.html", context)
