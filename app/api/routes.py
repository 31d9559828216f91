"""JSON API v1: read-only, keyless, the same filters and query code as the pages.

Routes are thin: parse the query model, call app/queries, serialise with an ETag. Errors are
`{"detail": "..."}`: 422 for a bad parameter or unknown filter value, 404 for an unknown slug.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api_schemas import (
    CountryDetail,
    CountrySummary,
    MetricPage,
    ProjectDetail,
    SectorDetail,
    SectorSummary,
    StatementPage,
)
from app.db import SessionDep
from app.http.deps import MetricQuery, ProjectQuery, StatementQuery
from app.http.responses import (
    ERROR_RESPONSES,
    NOT_FOUND,
    PREFLIGHT_HEADERS,
    ClearErrorsRoute,
    cached_json,
    json_response,
    problem,
)
from app.queries import detail
from app.queries.projects import list_projects
from app.schemas import Page, ProjectSummary

router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ClearErrorsRoute)

Slug = Annotated[str, Path(max_length=200, description="Slug of the record")]


@router.get(
    "/projects",
    response_model=Page[ProjectSummary],
    responses=ERROR_RESPONSES,
    summary="Catalogue of projects",
)
@cached_json
def projects(request: Request, session: SessionDep, filters: ProjectQuery) -> Response:
    """Projects matching the catalogue filters, a page at a time, with facet counts.

    The same parameters as the /projects page and /projects.csv: values within one parameter
    are OR, parameters are AND. An unknown sector, country or region is a 422.
    """
    return json_response(request, list_projects(session, filters=filters))


@router.get(
    "/projects/{slug}",
    response_model=ProjectDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One project with its figures and sources",
)
@cached_json
def project(request: Request, session: SessionDep, slug: Slug) -> Response:
    """A project with its countries, parties, metrics, statements and every source cited."""
    found = detail.project_record(session, slug=slug)
    if found is None:
        return problem(404, f"unknown project {slug!r}")
    return json_response(request, found)


@router.get(
    "/metrics",
    response_model=MetricPage,
    responses=ERROR_RESPONSES,
    summary="Figures claimed, reported or verified for projects",
)
def metrics(request: Request, session: SessionDep, filters: MetricQuery) -> Response:
    """Metrics (emission savings, generation, freight, ...) with basis and source."""
    page = detail.list_metrics(session, **filters.model_dump(mode="json"))
    return json_response(request, page)


@router.get(
    "/statements",
    response_model=StatementPage,
    responses=ERROR_RESPONSES,
    summary="Who said what, where",
)
def statements(request: Request, session: SessionDep, filters: StatementQuery) -> Response:
    """Statements, newest first, filterable by organisation, project and sector."""
    page = detail.list_statements(session, **filters.model_dump(mode="json"))
    return json_response(request, page)


@router.get(
    "/countries",
    response_model=list[CountrySummary],
    responses=ERROR_RESPONSES,
    summary="Countries with projects",
)
def countries(request: Request, session: SessionDep) -> Response:
    """Countries that have projects, with UN M49 region and project count."""
    return json_response(request, detail.list_countries(session))


@router.get(
    "/countries/{iso3}",
    response_model=CountryDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One country with its projects",
)
def country(
    request: Request,
    session: SessionDep,
    iso3: Annotated[str, Path(max_length=3, description="ISO 3166-1 alpha-3 code")],
) -> Response:
    """A country (by ISO3, any case) with its projects and projects per sector."""
    found = detail.country_detail(session, iso3=iso3)
    if found is None:
        return problem(404, f"unknown country {iso3!r}; use an ISO 3166-1 alpha-3 code")
    return json_response(request, found)


@router.get(
    "/sectors",
    response_model=list[SectorSummary],
    responses=ERROR_RESPONSES,
    summary="The sector and technology taxonomy",
)
def sectors(request: Request, session: SessionDep) -> Response:
    """Sectors, each with its technologies, and their project counts."""
    return json_response(request, detail.list_sectors(session))


@router.get(
    "/sectors/{slug}",
    response_model=SectorDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One sector or technology with its projects",
)
def sector(request: Request, session: SessionDep, slug: Slug) -> Response:
    """A sector or technology with its technologies, projects and latest statements."""
    found = detail.sector_detail(session, slug=slug)
    if found is None:
        return problem(404, f"unknown sector {slug!r}; use a sector or technology slug")
    return json_response(request, found)


@router.options("/{path:path}", include_in_schema=False)
def preflight(path: str) -> Response:
    """CORS preflight: reading is allowed from anywhere; nothing can be written."""
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)
