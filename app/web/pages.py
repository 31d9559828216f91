"""HTML pages. Thin routes: take the parsed filter or the found record (app/http/deps.py), call
the rooms' queries and app/charts, render. Errors are raised and answered by app/http/errors.py."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import text
from starlette.responses import Response

from app import charts
from app.changelog import queries as changelog
from app.charts_checks import ladder_chart
from app.config import PROJECT_ROOT
from app.db import SessionDep
from app.filtering import PageView, View
from app.http.cache import cached_response
from app.http.deps import (
    FoundCountry,
    FoundSector,
    Slug,
    StatementQuery,
    project_detail,
)
from app.metrics.model import MetricOut
from app.places.queries import country_detail, sector_detail
from app.places.vocabulary import vocabulary
from app.projects.catalogue import list_projects, top_claims
from app.projects.detail import ProjectDetail
from app.projects.filter import ProjectFilter, SortKey
from app.queries import stats
from app.queries.checks import ladder_rows
from app.statements.filter import LIST_FIELDS as STATEMENT_FIELDS
from app.statements.queries import latest_statements, list_statements
from app.web import chart_share, claim_context, filters, project_view, trust
from app.web.cards import project_cards
from app.web.facet_panel import catalogue_facet_lists
from app.web.templating import render, templates

router = APIRouter(include_in_schema=False)
filters.install(templates.env)

SORT_LABELS = {
    SortKey.name: "Name (A–Z)",
    SortKey.name_desc: "Name (Z–A)",
    SortKey.claimed_desc: "Claimed reduction (largest first)",
    SortKey.claimed: "Claimed reduction (smallest first)",
    SortKey.capacity_desc: "Capacity, within each unit (largest first)",
    SortKey.capacity: "Capacity, within each unit (smallest first)",
    SortKey.opened_desc: "Opening date (newest first)",
    SortKey.opened: "Opening date (oldest first)",
}
METHODOLOGY_CHECKS = PROJECT_ROOT / "docs" / "methodology-checks.md"
TOP_CLAIMS = 20  # bars in a claims chart; the CSV download beside it has every project
CLAIMS_CSV = "/projects.csv"  # the CSV takes the filter only, not a sort


class CataloguePage(ProjectFilter, PageView):
    """The catalogue page's query: the catalogue filter, and `view` (cards or table), which
    only the page and its htmx fragment take (app/filtering.py PageView)."""


CatalogueQuery = Annotated[CataloguePage, Query()]


def _sector_names(session: SessionDep) -> dict[str, str]:
    return {slug: name for slug, (name, _parent) in vocabulary(session)["sectors"].items()}


@router.get("/healthz")
def healthz(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability."""
    session.connection().execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/")
@cached_response
def overview(request: Request, session: SessionDep) -> Response:
    """Headline figures, the claims and checks charts, the map, latest statements, headlines.

    Every figure comes from an aggregate cached per dataset version (app/queries/stats.py) and
    every chart is bounded (top claims, per-country map beyond a few hundred points), so the
    page costs the same at any catalogue size."""
    names = _sector_names(session)
    headline = stats.headline_projects(session)
    share = chart_share.sharer(request, session)
    context = {
        "figures": stats.headline_figures(session),
        "ladder_chart": share(power_ladder(session), page="/", embed="/embed/ladder"),
        "map_chart": share(overview_map(session), page="/", embed="/embed/map"),
        "statements": latest_statements(session, limit=5),
        "headline": headline,
        "sector_names": names,
        **claim_context.overview_context(session, [p["slug"] for p in headline]),
    }
    context["ratio_chart"] = share(context["ratio_chart"], page="/", embed="/embed/claims")
    return render(request, "overview.html", context)


# Each chart is built by one function, called by the page it is on and by its chart-only page
# under /embed/ (app/web/embed_pages.py), so the two always draw the same figure.


def overview_map(session: SessionDep) -> charts.Chart:
    """Every located project, or (beyond a few hundred points) projects per country."""
    data = stats.map_data(session)
    if data.points or not data.countries:
        return charts.project_map(data.points, sector_names=_sector_names(session))
    return charts.country_map(data.countries, located=data.located, data_url="/projects.geojson")


def power_ladder(session: SessionDep, project_slug: str | None = None) -> charts.Chart:
    """The power claims (all, or one project's) on their countries' baseline ladders."""
    return ladder_chart(ladder_rows(session, project_slug=project_slug))


def filter_query(filters: ProjectFilter) -> str:
    """The filter alone as a query string: what the catalogue's chart depends on."""
    return urlencode(filters.query_items(page=1, sort="name", per_page=50))


def catalogue_chart(session: SessionDep, filters: ProjectFilter) -> charts.Chart:
    """The claims of the projects a filter selects: on /projects, on country and sector pages
    (their filter is the country or sector) and at /embed/projects?<the filter>."""
    top = top_claims(session, filters=filters, limit=TOP_CLAIMS)
    query = filter_query(filters)
    return charts.claims_by_project(
        top.rows,
        sector_names=_sector_names(session),
        chart_id="claims",
        total=top.total,
        data_url=f"{CLAIMS_CSV}?{query}" if query else CLAIMS_CSV,
    )


def location_map(session: SessionDep, project: ProjectDetail) -> charts.Chart:
    """Where one project is."""
    names = _sector_names(session)
    return charts.project_map(_location_rows(project), sector_names=names, chart_id="location-map")


def figure_charts(project: ProjectDetail) -> list[charts.Chart]:
    """One project's emission figures, one chart per unit (ids `metric-<unit>`)."""
    return charts.metric_charts([_chart_row(m) for m in project.metrics])


@router.get("/projects")
@cached_response
def catalogue(request: Request, session: SessionDep, query: CatalogueQuery) -> Response:
    """The catalogue: facets, sort, pages, cards or a table; htmx gets only the `catalogue`
    block. The queries get the filter without `view`: both views share their cache entries."""
    filters = query.filter_only(ProjectFilter)
    page = list_projects(session, filters=filters, with_facets=False)
    names = _sector_names(session)
    qs = filter_query(filters)
    chart = chart_share.sharer(request, session)(
        catalogue_chart(session, filters),
        page=f"/projects?{qs}" if qs else "/projects",
        embed=f"/embed/projects?{qs}" if qs else "/embed/projects",
    )
    context: dict[str, Any] = {
        "page": page,
        "facet_lists": catalogue_facet_lists(session, filters),
        "filter": filters,
        "view": query.view.value,
        "view_items": query.view_items(),
        "claims_chart": chart,
        "sort_labels": SORT_LABELS,
        "sector_names": names,
        "vocab": vocabulary(session),
    }
    slugs = [p.slug for p in page.items]
    if query.view is View.table:  # the table's rows read the claims a card shows
        context["card_claims"] = claim_context.project_claims(session, slugs)
    else:
        context["cards"] = project_cards(session, page.items, names)
    return render(request, "projects.html", context, block="catalogue")


@router.get("/projects/{slug}")
@cached_response
def project_page(request: Request, session: SessionDep, slug: Slug) -> Response:
    """One project: facts, location, metrics with verdicts and sources, statements, related.

    The slug is not looked up first (`FoundProject`): a cached page answers without it, and
    `project_detail` answers 404 for a slug no project has. The lookup cost a query and a
    hop to a handler thread for every page not cached yet (issue 11)."""
    project = project_detail(session, slug)
    here = f"/projects/{project.slug}"
    share = chart_share.sharer(request, session)
    summary = claim_context.project_claims_summary(session, project.slug)
    summary["project_ratio_chart"] = share(
        summary["project_ratio_chart"], page=here, embed=f"/embed{here}/claims"
    )
    figures = [
        share(c, page=here, embed=f"/embed{here}/figures/{c.id.removeprefix('metric-')}")
        for c in figure_charts(project)
    ]
    context = {
        "project": project,
        "figure_groups": project_view.group_figures(project.metrics, project.checks),
        "refs": project_view.references(project.sources),
        "citation": cite(request, session, title=project.name),
        "last_changed": changelog.last_changed(session, kind="project", slug=project.slug),
        **summary,
        "metric_charts": figures,
        "map_chart": share(location_map(session, project), page=here, embed=f"/embed{here}/map"),
        "sector_names": _sector_names(session),
        "ladder_chart": share(
            power_ladder(session, project.slug), page=here, embed=f"/embed{here}/ladder"
        ),
    }
    return render(request, "project.html", context)


def cite(request: Request, session: SessionDep, *, title: str) -> trust.Citation:
    """Cite this page's record; Report an error goes where the settings say."""
    return trust.citation(
        session,
        title=title,
        path=request.url.path,
        base_url=request.app.state.settings.public_url,
        target=request.app.state.settings.report_error_url,
    )


def _chart_row(metric: MetricOut) -> dict[str, Any]:
    # app/charts.py takes flat rows: the source's title and publisher beside the figure.
    row = metric.model_dump()
    return {**row, "source_title": metric.source.title, "source_publisher": metric.source.publisher}


def _location_rows(project: ProjectDetail) -> list[dict[str, Any]]:
    where = project.location
    if where is None or where.latitude is None or where.longitude is None:
        return []
    return [
        {
            "name": project.name,
            "sector_slug": project.sector.slug,
            "latitude": where.latitude,
            "longitude": where.longitude,
            "location_precision": where.precision,
        }
    ]


@router.get("/statements")
@cached_response
def statements(request: Request, session: SessionDep, filters: StatementQuery) -> Response:
    """Who said what: statements filtered by organisation, project and sector, a page at a time."""
    page = list_statements(session, filters=filters)
    chosen = filters.model_dump(include=set(STATEMENT_FIELDS))
    query = [(key, value) for key in STATEMENT_FIELDS for value in chosen[key]]
    context = {"page": page, "query": query}
    return render(request, "statements.html", context, block="statement_results")


@router.get("/countries/{iso3}")
@cached_response
def country_page(request: Request, session: SessionDep, country: FoundCountry) -> Response:
    """A country's projects with a chart of their claimed reductions."""
    found = country_detail(session, country=country)
    group = ProjectFilter(country=[found.iso3])
    here = f"/countries/{found.iso3}"
    return _group_page(request, session, {"country": found, "group": found}, group, here)


@router.get("/sectors/{slug}")
@cached_response
def sector_page(request: Request, session: SessionDep, sector: FoundSector) -> Response:
    """A sector or technology with its projects and a chart of their claimed reductions."""
    found = sector_detail(session, sector=sector)
    group = ProjectFilter(sector=[found.slug])
    here = f"/sectors/{found.slug}"
    return _group_page(request, session, {"sector": found, "group": found}, group, here)


def _group_page(
    request: Request,
    session: SessionDep,
    context: dict[str, Any],
    group: ProjectFilter,
    here: str,
) -> Response:
    # The group's chart is the catalogue's chart of the same filter, and embeds as such.
    chart = chart_share.sharer(request, session)(
        catalogue_chart(session, group), page=here, embed=f"/embed/projects?{filter_query(group)}"
    )
    context |= {
        "claims_chart": chart,
        "cards": project_cards(session, context["group"].projects, _sector_names(session)),
        "sector_names": _sector_names(session),
    }
    return render(request, "group.html", context)


@router.get("/methodology")
def methodology(request: Request, session: SessionDep) -> Response:
    """How claims are recorded and checked: bases, units, sources, sums and the claim checks."""
    share = chart_share.sharer(request, session)
    context = {
        "checks_html": methodology_checks_html(),
        "ladder_chart": share(power_ladder(session), page="/methodology", embed="/embed/ladder"),
    }
    return render(request, "methodology.html", context)


@lru_cache(maxsize=1)
def methodology_checks_html() -> Markup:
    """docs/methodology-checks.md as HTML (raw HTML in the Markdown is escaped, not passed on)."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Markup(renderer.render(METHODOLOGY_CHECKS.read_text(encoding="utf-8")))
