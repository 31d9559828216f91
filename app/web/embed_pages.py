"""Chart-only pages under /embed/, one per chart the site draws, for other sites to frame.

Only these may be framed (app/web/security.py gives /embed/ its own frame-ancestors); every
other page refuses frames. Each page draws the chart with the same function as the page it
comes from, in the one embed template, with the same toolbar (PNG/SVG, cite, embed code):

chart (where it is) -> its embed page:
- claim ÷ expected, every claim (/) -> /embed/claims
- baseline ladder, every power claim (/, /methodology) -> /embed/ladder
- map of the projects (/) -> /embed/map
- claims by project for a filter (/projects?..., /countries/{iso3}, /sectors/{slug})
  -> /embed/projects?<the filter>
- one project's claim ÷ expected, baseline ladder, location (/projects/{slug})
  -> /embed/projects/{slug}/claims, .../ladder, .../map
- one project's figures in one unit (/projects/{slug}) -> /embed/projects/{slug}/figures/{unit}
- amounts by lender, by sector and year (/organizations)
  -> /embed/organizations/lenders, /embed/organizations/sector-years
- one lender's amounts by sector and year (/organizations/{slug})
  -> /embed/organizations/{slug}/sector-years
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.charts import Chart
from app.db import SessionDep
from app.http.cache import cached_response
from app.http.deps import FoundProject, ProjectQuery, project_detail
from app.http.errors import NotFound
from app.web import chart_share, claim_context, organizations, pages
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def _embed(
    request: Request, session: SessionDep, chart: Chart, *, page: str, query: str = ""
) -> Response:
    """The chart alone, shared as on its page (`page`), with a link back to that page."""
    embed = request.url.path + (f"?{query}" if query else "")
    shared = chart_share.sharer(request, session)(chart, page=page, embed=embed)
    return render(request, "embed.html", {"chart": shared})


@router.get("/embed/claims")
@cached_response
def embed_claims(request: Request, session: SessionDep) -> Response:
    """The claim ÷ expected chart alone."""
    return _embed(request, session, claim_context.ratio_chart(session), page="/")


@router.get("/embed/ladder")
@cached_response
def embed_ladder(request: Request, session: SessionDep) -> Response:
    """Every power claim on its country's baseline ladder."""
    return _embed(request, session, pages.power_ladder(session), page="/methodology")


@router.get("/embed/map")
@cached_response
def embed_map(request: Request, session: SessionDep) -> Response:
    """The overview's map of the projects."""
    return _embed(request, session, pages.overview_map(session), page="/")


@router.get("/embed/projects")
@cached_response
def embed_catalogue(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """The catalogue's claims chart for the filter in the URL (the catalogue's parameters)."""
    query = pages.filter_query(filters)
    page = f"/projects?{query}" if query else "/projects"
    chart = pages.catalogue_chart(session, filters)
    return _embed(request, session, chart, page=page, query=query)


@router.get("/embed/projects/{slug}/claims")
@cached_response
def embed_project_claims(request: Request, session: SessionDep, slug: FoundProject) -> Response:
    """One project's claim ÷ expected chart."""
    chart = claim_context.project_claims_summary(session, slug)["project_ratio_chart"]
    return _embed(request, session, chart, page=f"/projects/{slug}")


@router.get("/embed/projects/{slug}/ladder")
@cached_response
def embed_project_ladder(request: Request, session: SessionDep, slug: FoundProject) -> Response:
    """One project's power claims on its country's baseline ladder."""
    chart = pages.power_ladder(session, slug)
    return _embed(request, session, chart, page=f"/projects/{slug}")


@router.get("/embed/projects/{slug}/map")
@cached_response
def embed_project_map(request: Request, session: SessionDep, slug: FoundProject) -> Response:
    """Where one project is."""
    project = project_detail(session, slug)
    chart = pages.location_map(session, project)
    return _embed(request, session, chart, page=f"/projects/{project.slug}")


@router.get("/embed/projects/{slug}/figures/{unit}")
@cached_response
def embed_project_figures(
    request: Request, session: SessionDep, slug: FoundProject, unit: str
) -> Response:
    """One project's emission figures in one unit (`t`, `percent`, ...)."""
    project = project_detail(session, slug)
    found = [c for c in pages.figure_charts(project) if c.id == f"metric-{unit}"]
    if not found:
        units = ", ".join(c.id.removeprefix("metric-") for c in pages.figure_charts(project))
        raise NotFound("Chart", f"{project.name} has no figures in {unit!r} (it has: {units}).")
    return _embed(request, session, found[0], page=f"/projects/{project.slug}")


@router.get("/embed/organizations/lenders")
@cached_response
def embed_lenders(request: Request, session: SessionDep) -> Response:
    """Committed amounts by lender."""
    chart = organizations.lender_chart(session)
    return _embed(request, session, chart, page="/organizations")


@router.get("/embed/organizations/sector-years")
@cached_response
def embed_sector_years(request: Request, session: SessionDep) -> Response:
    """Committed amounts by sector and year, every lender."""
    chart = organizations.sector_year_chart(session)
    return _embed(request, session, chart, page="/organizations")


@router.get("/embed/organizations/{slug}/sector-years")
@cached_response
def embed_lender_sector_years(request: Request, session: SessionDep, slug: str) -> Response:
    """One lender's committed amounts by sector and year."""
    found = organizations.found_organization(session, slug)
    chart = organizations.sector_year_chart(session, found)
    return _embed(request, session, chart, page=f"/organizations/{found.slug}")
