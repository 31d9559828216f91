"""HTML pages. Thin routes: take the parsed filter or the found record (app/http/deps.py), call
the rooms' queries and app/charts, render. Errors are raised and answered by app/http/errors.py."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import text
from starlette.responses import Response

from app import charts
from app.changelog import queries as changelog
from app.charts_checks import axis_labels, claimed_vs_expected_figure, ladder_chart
from app.config import PROJECT_ROOT
from app.db import SessionDep
from app.http.cache import cached_response
from app.http.deps import FoundCountry, FoundProject, FoundSector, ProjectQuery, StatementQuery
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
from app.web import claim_context, filters, project_view, trust
from app.web.cards import project_cards
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
    context = {
        "figures": stats.headline_figures(session),
        "ladder_chart": ladder_chart(ladder_rows(session)),
        "map_chart": _overview_map(stats.map_data(session), names),
        "statements": latest_statements(session, limit=5),
        "headline": headline,
        "sector_names": names,
        **claim_context.overview_context(session, [p["slug"] for p in headline]),
    }
    return render(request, "overview.html", context)


def _overview_map(data: stats.MapData, names: dict[str, str]) -> charts.Chart:
    if data.points or not data.countries:
        return charts.project_map(data.points, sector_names=names)
    return charts.country_map(data.countries, located=data.located, data_url="/projects.geojson")


def checks_chart(checks: stats.ComparableChecks, *, chart_id: str = "checks") -> charts.Chart:
    """Claimed versus expected annual CO2 (app/charts_checks.py) with its caption and table."""
    rows = checks.rows
    labels = axis_labels(rows)
    figure = claimed_vs_expected_figure(rows) if rows else None
    table: list[list[Any]] = [
        [label, c.project_name, c.metric_slug.split("/", 1)[-1], c.reading]
        + [c.claim_canonical_value, c.expected_low, c.expected_high, c.verdict_label]
        for label, c in zip(labels, rows, strict=True)
    ]
    bounded = (
        f" The {len(rows)} largest of {checks.total:,} such claims are shown."
        if checks.total > len(rows)
        else ""
    )
    return charts.Chart(
        id=chart_id,
        title="Claimed versus expected annual CO2 reductions",
        caption="Each dot is a claim in tonnes of CO2 a year; the bar is the range the project's "
        "own activity data and sourced emission factors imply. Only annual tonnes claims that "
        "can be checked are shown; the project pages show the arithmetic." + bounded,
        figure=figure,
        columns=["Chart label", "Project", "Claim", "Reading", "Claimed t/yr"]
        + ["Expected low", "Expected high", "Verdict"],
        rows=table,
    )


@router.get("/projects")
@cached_response
def catalogue(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """The catalogue: facets, sort, pages; htmx gets only the `catalogue` block."""
    page = list_projects(session, filters=filters)
    top = top_claims(session, filters=filters, limit=TOP_CLAIMS)
    names = _sector_names(session)
    query = urlencode(filters.query_items(page=1, sort="name"))
    chart = charts.claims_by_project(
        top.rows,
        sector_names=names,
        chart_id="claims",
        total=top.total,
        data_url=f"/projects.csv?{query}" if query else CLAIMS_CSV,
    )
    context = {
        "page": page,
        "filter": filters,
        "claims_chart": chart,
        "cards": project_cards(session, page.items, names),
        "sort_labels": SORT_LABELS,
        "sector_names": names,
        "vocab": vocabulary(session),
    }
    return render(request, "projects.html", context, block="catalogue")


@router.get("/projects/{slug}")
@cached_response
def project_page(request: Request, session: SessionDep, project: FoundProject) -> Response:
    """One project: facts, location, metrics with verdicts and sources, statements, related."""
    names = _sector_names(session)
    context = {
        "project": project,
        "figure_groups": project_view.group_figures(project.metrics, project.checks),
        "refs": project_view.references(project.sources),
        "citation": cite(request, session, title=project.name),
        "last_changed": changelog.last_changed(session, kind="project", slug=project.slug),
        **claim_context.project_claims_summary(session, project.slug),
        "metric_charts": charts.metric_charts([_chart_row(m) for m in project.metrics]),
        "map_chart": charts.project_map(
            _location_rows(project), sector_names=names, chart_id="location"
        ),
        "sector_names": names,
        "ladder_chart": ladder_chart(ladder_rows(session, project_slug=project.slug)),
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
    return _group_page(request, session, {"country": found, "group": found}, group)


@router.get("/sectors/{slug}")
@cached_response
def sector_page(request: Request, session: SessionDep, sector: FoundSector) -> Response:
    """A sector or technology with its projects and a chart of their claimed reductions."""
    found = sector_detail(session, sector=sector)
    group = ProjectFilter(sector=[found.slug])
    return _group_page(request, session, {"sector": found, "group": found}, group)


def _group_page(
    request: Request, session: SessionDep, context: dict[str, Any], group: ProjectFilter
) -> Response:
    names = _sector_names(session)
    top = top_claims(session, filters=group, limit=TOP_CLAIMS)
    query = urlencode(group.query_items(sort="name"))
    context |= {
        "claims_chart": charts.claims_by_project(
            top.rows, sector_names=names, total=top.total, data_url=f"{CLAIMS_CSV}?{query}"
        ),
        "cards": project_cards(session, context["group"].projects, names),
        "sector_names": names,
    }
    return render(request, "group.html", context)


@router.get("/methodology")
def methodology(request: Request, session: SessionDep) -> Response:
    """How claims are recorded and checked: bases, units, sources, sums and the claim checks."""
    context = {
        "checks_html": methodology_checks_html(),
        "ladder_chart": ladder_chart(ladder_rows(session)),
    }
    return render(request, "methodology.html", context)


@lru_cache(maxsize=1)
def methodology_checks_html() -> Markup:
    """docs/methodology-checks.md as HTML (raw HTML in the Markdown is escaped, not passed on)."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    return Markup(renderer.render(METHODOLOGY_CHECKS.read_text(encoding="utf-8")))
