"""Organisation pages: /organizations (lenders and amounts) and /organizations/{slug}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.charts import Chart
from app.db import SessionDep
from app.financing import charts, queries
from app.financing.org_schemas import OrganizationDetail
from app.http.cache import cached_response
from app.http.errors import NotFound
from app.web import chart_share
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/organizations")
@cached_response
def organizations(request: Request, session: SessionDep) -> Response:
    """Every organisation, with charts of committed amounts by lender and by sector/year."""
    share = chart_share.sharer(request, session)
    here = "/organizations"
    context = {
        "organizations": queries.list_organizations(session),
        "lender_chart": share(lender_chart(session), page=here, embed=f"/embed{here}/lenders"),
        "sector_year_chart": share(
            sector_year_chart(session), page=here, embed=f"/embed{here}/sector-years"
        ),
    }
    return render(request, "organizations.html", context)


@router.get("/organizations/{slug}")
@cached_response
def organization(request: Request, session: SessionDep, slug: str) -> Response:
    """An organisation: roles across projects, amounts lent, statements."""
    found = found_organization(session, slug)
    here = f"/organizations/{found.slug}"
    chart = chart_share.sharer(request, session)(
        sector_year_chart(session, found), page=here, embed=f"/embed{here}/sector-years"
    )
    return render(request, "organization.html", {"org": found, "sector_year_chart": chart})


# Each chart is built by one function, for its page and its chart-only page under /embed/.


def found_organization(session: SessionDep, slug: str) -> OrganizationDetail:
    """The organisation of the URL, or a 404."""
    found = queries.organization_detail(session, slug=slug)
    if found is None:
        raise NotFound("Organisation", f"No organisation has the slug {slug!r}.")
    return found


def lender_chart(session: SessionDep) -> Chart:
    """Committed amounts by lender."""
    return charts.amounts_by_lender_chart(queries.amounts_by_lender(session))


def sector_year_chart(session: SessionDep, lender: OrganizationDetail | None = None) -> Chart:
    """Committed amounts by sector and year: of every lender, or of one."""
    if lender is None:
        return charts.amounts_by_sector_year_chart(queries.amounts_by_sector_year(session))
    return charts.amounts_by_sector_year_chart(
        queries.amounts_by_sector_year(session, lender=lender.slug),
        chart_id="org-sector-years",
        lender_name=lender.name,
    )
