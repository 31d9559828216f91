"""HTML pages. Thin routes: parse the query, call app/queries and app/charts, render."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import text
from starlette.responses import Response

from app import charts
from app.db import SessionDep
from app.queries import detail, stats
from app.queries.projects import (
    FACETS,
    UnknownFilterValue,
    all_matching_slugs,
    list_projects,
    vocabulary,
)
from app.queries.statements import (
    count_statements,
    statement_rows,
    statement_vocabulary,
    validate_statement_filter,
)
from app.schemas import ProjectFilter, SortKey
from app.web import filters
from app.web.templating import render, templates

router = APIRouter(include_in_schema=False)
filters.install(templates.env)

SORT_LABELS = {
    SortKey.name: "Name (A–Z)",
    SortKey.name_desc: "Name (Z–A)",
    SortKey.claimed_desc: "Claimed reduction (largest first)",
    SortKey.claimed: "Claimed reduction (smallest first)",
    SortKey.capacity_desc: "Capacity (largest first)",
    SortKey.capacity: "Capacity (smallest first)",
    SortKey.opened_desc: "Opening date (newest first)",
    SortKey.opened: "Opening date (oldest first)",
}
SINGLE_FIELDS = ("q", "sort", "page", "per_page")
STATEMENT_FIELDS = ("organization", "project", "sector")


class BadQuery(ValueError):
    """A query string the page cannot use; answered with a 422 page that says why."""


def parse_project_filter(request: Request) -> ProjectFilter:
    """The catalogue filter from the query string; BadQuery names what is wrong."""
    params = request.query_params
    unknown = sorted(set(params) - set(FACETS) - set(SINGLE_FIELDS))
    if unknown:
        raise BadQuery(f"unknown query parameter {unknown[0]!r}")
    data: dict[str, Any] = {key: [v for v in params.getlist(key) if v] for key in FACETS}
    data.update({key: params[key] for key in SINGLE_FIELDS if params.get(key)})
    try:
        return ProjectFilter.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"][:1])
        raise BadQuery(f"{where}: {first['msg']} (got {first['input']!r})") from error


def _error(request: Request, status_code: int, title: str, message: str) -> Response:
    context = {"title": title, "message": message, "status_code": status_code}
    return render(request, "error.html", context, status_code=status_code)


def _sector_names(session: SessionDep) -> dict[str, str]:
    return {slug: name for slug, (name, _parent) in vocabulary(session)["sectors"].items()}


@router.get("/healthz")
def healthz(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability."""
    session.connection().execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/")
def overview(request: Request, session: SessionDep) -> Response:
    """Headline figures, the claims chart, the map, latest statements, headline projects."""
    names = _sector_names(session)
    context = {
        "figures": stats.headline_figures(session),
        "claims_chart": charts.claims_by_project(
            stats.claimed_reductions(session), sector_names=names
        ),
        "map_chart": charts.project_map(stats.project_locations(session), sector_names=names),
        "statements": stats.latest_statements(session, limit=5),
        "headline": stats.headline_projects(session),
        "sector_names": names,
    }
    return render(request, "overview.html", context)


@router.get("/projects")
def catalogue(request: Request, session: SessionDep) -> Response:
    """The catalogue: facets, sort, pages; htmx gets only the `catalogue` block."""
    try:
        project_filter = parse_project_filter(request)
        page = list_projects(session, filters=project_filter)
        slugs = all_matching_slugs(session, filters=project_filter)
    except (BadQuery, UnknownFilterValue) as error:
        return _error(request, 422, "Unknown filter value", str(error))
    names = _sector_names(session)
    chart = charts.claims_by_project(
        stats.claimed_reductions(session, slugs=slugs), sector_names=names, chart_id="claims"
    )
    context = {
        "page": page,
        "filter": project_filter,
        "claims_chart": chart,
        "sort_labels": SORT_LABELS,
        "sector_names": names,
        "vocab": vocabulary(session),
    }
    return render(request, "projects.html", context, block="catalogue")


@router.get("/projects/{slug}")
def project_page(request: Request, session: SessionDep, slug: str) -> Response:
    """One project: facts, location, metrics with sources, claim charts, statements, related."""
    project = detail.project_detail(session, slug=slug)
    if project is None:
        return _error(request, 404, "Project not found", f"No project has the slug {slug!r}.")
    names = _sector_names(session)
    location = [project] if project["latitude"] is not None else []
    context = {
        "project": project,
        "metric_charts": charts.metric_charts(project["metrics"]),
        "map_chart": charts.project_map(location, sector_names=names, chart_id="location"),
        "sector_names": names,
    }
    return render(request, "project.html", context)


@router.get("/statements")
def statements(request: Request, session: SessionDep) -> Response:
    """Who said what: statements filtered by organisation, project and sector."""
    params = request.query_params
    unknown = sorted(set(params) - set(STATEMENT_FIELDS))
    chosen = {key: [v for v in params.getlist(key) if v] for key in STATEMENT_FIELDS}
    try:
        if unknown:
            raise BadQuery(f"unknown query parameter {unknown[0]!r}")
        validate_statement_filter(session, **chosen)
    except (BadQuery, UnknownFilterValue) as error:
        return _error(request, 422, "Unknown filter value", str(error))
    context = {
        "statements": statement_rows(
            session,
            organization=chosen["organization"],
            project=chosen["project"],
            sector=chosen["sector"],
        ),
        "total": count_statements(session),
        "chosen": chosen,
        "choices": statement_vocabulary(session),
        "sectors": vocabulary(session)["sectors"],
    }
    return render(request, "statements.html", context, block="statement_results")


@router.get("/countries/{iso3}")
def country_page(request: Request, session: SessionDep, iso3: str) -> Response:
    """A country's projects with a chart of their claimed reductions."""
    found = detail.country(session, iso3=iso3)
    if found is None:
        return _error(request, 404, "Country not found", f"No country has the code {iso3!r}.")
    project_filter = ProjectFilter(country=[found["iso3"]], per_page=200)
    return _group_page(request, session, project_filter, {"country": found})


@router.get("/sectors/{slug}")
def sector_page(request: Request, session: SessionDep, slug: str) -> Response:
    """A sector or technology with its projects and a chart of their claimed reductions."""
    found = detail.sector(session, slug=slug)
    if found is None:
        return _error(request, 404, "Sector not found", f"No sector has the slug {slug!r}.")
    project_filter = ProjectFilter(sector=[slug], per_page=200)
    return _group_page(request, session, project_filter, {"sector": found})


def _group_page(
    request: Request, session: SessionDep, project_filter: ProjectFilter, extra: dict[str, Any]
) -> Response:
    page = list_projects(session, filters=project_filter, with_facets=False)
    names = _sector_names(session)
    slugs = [p.slug for p in page.items]
    context = {
        "page": page,
        "filter": project_filter,
        "claims_chart": charts.claims_by_project(
            stats.claimed_reductions(session, slugs=slugs), sector_names=names
        ),
        "sector_names": names,
        **extra,
    }
    return render(request, "group.html", context)


@router.get("/methodology")
def methodology(request: Request) -> Response:
    """How claims are recorded: bases, units, sources and what the sums leave out."""
    return render(request, "methodology.html", {})
