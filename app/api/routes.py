"""JSON API v1: read-only, keyless, the same filters, lookups and queries as the pages.

Routes are thin: take the parsed filter or the found record (app/http/deps.py), call the rooms'
queries, serialise with an ETag. Errors are raised and answered by app/http/errors.py as
`{"detail": "..."}`: 422 for a bad parameter or unknown filter value, 404 for an unknown slug.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.http.cache import cached_response
from app.http.deps import (
    FoundCountry,
    FoundProject,
    FoundSector,
    MetricQuery,
    ProjectQuery,
    StatementQuery,
    project_detail,
)
from app.http.errors import ERROR_RESPONSES, NOT_FOUND
from app.http.responses import PREFLIGHT_HEADERS, json_response
from app.listing import Page
from app.metrics.model import MetricPage
from app.metrics.queries import list_metrics
from app.places.model import CountrySummary, SectorSummary
from app.places.queries import (
    CountryDetail,
    SectorDetail,
    country_detail,
    list_countries,
    list_sectors,
    sector_detail,
)
from app.projects.catalogue import list_projects
from app.projects.detail import ProjectDetail
from app.projects.model import ProjectSummary
from app.statements.model import StatementPage
from app.statements.queries import list_statements

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get(
    "/projects",
    response_model=Page[ProjectSummary],
    responses=ERROR_RESPONSES,
    summary="Catalogue of projects",
)
@cached_response
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
@cached_response
def project(request: Request, session: SessionDep, slug: FoundProject) -> Response:
    """A project with its countries, parties, metrics, statements and every source cited."""
    return json_response(request, project_detail(session, slug))


@router.get(
    "/metrics",
    response_model=MetricPage,
    responses=ERROR_RESPONSES,
    summary="Figures claimed, reported or verified for projects",
)
@cached_response
def metrics(request: Request, session: SessionDep, filters: MetricQuery) -> Response:
    """Metrics (emission savings, generation, freight, ...) with basis and source."""
    return json_response(request, list_metrics(session, filters=filters))


@router.get(
    "/statements",
    response_model=StatementPage,
    responses=ERROR_RESPONSES,
    summary="Who said what, where",
)
@cached_response
def statements(request: Request, session: SessionDep, filters: StatementQuery) -> Response:
    """Statements, newest first, filterable by organisation, project and sector."""
    return json_response(request, list_statements(session, filters=filters))


@router.get(
    "/countries",
    response_model=list[CountrySummary],
    responses=ERROR_RESPONSES,
    summary="Countries with projects",
)
@cached_response
def countries(request: Request, session: SessionDep) -> Response:
    """Countries that have projects, with UN M49 region and project count."""
    return json_response(request, list_countries(session))


@router.get(
    "/countries/{iso3}",
    response_model=CountryDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One country with its projects",
)
@cached_response
def country(request: Request, session: SessionDep, found: FoundCountry) -> Response:
    """A country (by ISO3, any case) with its projects and projects per sector."""
    return json_response(request, country_detail(session, country=found))


@router.get(
    "/sectors",
    response_model=list[SectorSummary],
    responses=ERROR_RESPONSES,
    summary="The sector and technology taxonomy",
)
@cached_response
def sectors(request: Request, session: SessionDep) -> Response:
    """Sectors, each with its technologies, and their project counts."""
    return json_response(request, list_sectors(session))


@router.get(
    "/sectors/{slug}",
    response_model=SectorDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One sector or technology with its projects",
)
@cached_response
def sector(request: Request, session: SessionDep, found: FoundSector) -> Response:
    """A sector or technology with its technologies, projects and latest statements."""
    return json_response(request, sector_detail(session, sector=found))


@router.options("/{path:path}", include_in_schema=False)
def preflight(path: str) -> Response:
    """CORS preflight: reading is allowed from anywhere; nothing can be written."""
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)
