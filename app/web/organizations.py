"""Organisation pages: /organizations (lenders and amounts) and /organizations/{slug}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.financing import charts, queries
from app.http.cache import cached_response
from app.http.errors import NotFound
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/organizations")
@cached_response
def organizations(request: Request, session: SessionDep) -> Response:
    """Every organisation, with charts of committed amounts by lender and by sector/year."""
    context = {
        "organizations": queries.list_organizations(session),
        "lender_chart": charts.amounts_by_lender_chart(queries.amounts_by_lender(session)),
        "sector_year_chart": charts.amounts_by_sector_year_chart(
            queries.amounts_by_sector_year(session)
        ),
    }
    return render(request, "organizations.html", context)


@router.get("/organizations/{slug}")
@cached_response
def organization(request: Request, session: SessionDep, slug: str) -> Response:
    """An organisation: roles across projects, amounts lent, statements."""
    found = queries.organization_detail(session, slug=slug)
    if found is None:
        raise NotFound("Organisation", f"No organisation has the slug {slug!r}.")
    chart = charts.amounts_by_sector_year_chart(
        queries.amounts_by_sector_year(session, lender=slug),
        chart_id="org-sector-years",
        lender_name=found.name,
    )
    return render(request, "organization.html", {"org": found, "sector_year_chart": chart})
