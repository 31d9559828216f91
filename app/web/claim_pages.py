"""The claims explorer pages: /claims (one row per claim, filters, sort, pages) and the
permalink /claims/{project}/{claim} with the claim's check in full."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import changelog
from app.db import SessionDep
from app.http.deps import ClaimQuery
from app.queries.checks import checks_for_project
from app.queries.claim_list import SORT_LABELS, claim_row, list_claims
from app.queries.projects import UnknownFilterValue
from app.web import claim_context
from app.web.page_cache import cached_page
from app.web.pages import _error, _sector_names, cite
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
@cached_page
def claims(request: Request, session: SessionDep, filters: ClaimQuery) -> Response:
    """Every checked claim: who said it, when, as stated, and what the check found."""
    claim_filter = filters
    try:
        page = list_claims(session, filters=claim_filter)
    except UnknownFilterValue as error:
        return _error(request, 422, "Unknown filter value", str(error))
    context = {
        "page": page,
        "filter": claim_filter,
        "sort_labels": SORT_LABELS,
        "filter_names": FILTER_NAMES,
        "sector_names": _sector_names(session),
    }
    return render(request, "claims.html", context, block="claims_body")


@router.get("/claims/{slug:path}")
@cached_page
def claim_page(request: Request, session: SessionDep, slug: str) -> Response:
    """One claim with its check in full: the arithmetic and the source of every input."""
    found = claim_row(session, slug=slug)
    if found is None:
        return _error(request, 404, "Claim not found", f"No checked claim has the slug {slug!r}.")
    checks = [
        c
        for c in checks_for_project(session, slug=found.project_slug).checks
        if c.metric_slug == found.slug
    ]
    title = f"{found.as_stated} — {found.claimant or 'unnamed claimant'}, {found.project_name}"
    context = {
        "claim": found,
        "checks": checks,
        "citation": cite(request, session, title=title),
        "last_changed": changelog.last_changed(session, kind="figure", slug=found.slug),
    }
    return render(request, "claim.html", context)


@router.get("/embed/claims")
@cached_page
def embed_claims(request: Request, session: SessionDep) -> Response:
    """The claim ÷ expected chart alone, for other sites to frame."""
    context = {"chart": claim_context.ratio_chart(session), "source_url": "/claims"}
    return render(request, "embed.html", context)


@router.get("/embed/projects/{slug}/claims")
@cached_page
def embed_project_claims(request: Request, session: SessionDep, slug: str) -> Response:
    """One project's claim ÷ expected chart alone, for other sites to frame."""
    if not claim_context.project_exists(session, slug):
        return _error(request, 404, "Project not found", f"No project has the slug {slug!r}.")
    summary = claim_context.project_claims_summary(session, slug)
    context = {"chart": summary["project_ratio_chart"], "source_url": f"/projects/{slug}"}
    return render(request, "embed.html", context)
