"""Organisation pages: /organizations (lenders and amounts) and /organizations/{slug}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.db import SessionDep
from app.exports import write_csv
from app.financing import charts, queries
from app.http.deps import ProjectQuery
from app.http.responses import ClearErrorsRoute, conditional, problem
from app.queries.projects import UnknownFilterValue, all_matching_slugs
from app.web.page_cache import cached_page
from app.web.templating import render

router = APIRouter(include_in_schema=False)
# Downloads answer errors as {"detail": ...} like the other CSV exports.
downloads = APIRouter(include_in_schema=False, route_class=ClearErrorsRoute)


@router.get("/organizations")
@cached_page
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
@cached_page
def organization(request: Request, session: SessionDep, slug: str) -> Response:
    """An organisation: roles across projects, amounts lent, statements."""
    found = queries.organization_detail(session, slug=slug)
    if found is None:
        context = {
            "title": "Organisation not found",
            "message": f"No organisation has the slug {slug!r}.",
            "status_code": 404,
        }
        return render(request, "error.html", context, status_code=404)
    chart = charts.amounts_by_sector_year_chart(
        queries.amounts_by_sector_year(session, lender=slug),
        chart_id="org-sector-years",
        lender_name=found.name,
    )
    return render(request, "organization.html", {"org": found, "sector_year_chart": chart})


CSV = "text/csv; charset=utf-8"


def _csv(request: Request, rows: list[list[object]], filename: str) -> Response:
    body = write_csv(queries.FINANCING_CSV_COLUMNS, rows).encode("utf-8")
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return conditional(request, body, CSV, headers)


@downloads.get("/financing.csv")
def financing_csv(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """Financing records of every project matching the catalogue filter, as UTF-8 CSV."""
    try:
        slugs = all_matching_slugs(session, filters=filters)
    except UnknownFilterValue as error:
        return problem(422, str(error))
    return _csv(request, queries.financing_rows(session, project_slugs=slugs), "financing.csv")


@downloads.get("/projects/{slug}/financing.csv")
def project_financing_csv(request: Request, session: SessionDep, slug: str) -> Response:
    """One project's financing records, as UTF-8 CSV."""
    rows = queries.financing_rows(session, project_slugs=[slug])
    if not rows and not queries.project_exists(session, slug=slug):
        return problem(404, f"unknown project {slug!r}")
    return _csv(request, rows, f"{slug}-financing.csv")
