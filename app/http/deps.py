"""Dependencies of the routes: each filter is parsed one way only, and each record is found or
the request is a 404, written once for pages and API alike.

Pages, API and downloads take `filters: ProjectQuery` (or MetricQuery, StatementQuery), so a
parameter cannot mean one thing on /projects and another on /api/v1/projects or /projects.csv.
A value FastAPI cannot parse is a RequestValidationError and a lookup that finds nothing a
NotFound; app/http/errors.py answers both, as a page or `{"detail"}`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from sqlmodel import Session

from app.db import SessionDep
from app.http.errors import NotFound
from app.metrics.filter import MetricFilter
from app.places.model import Country, SectorSummary
from app.places.queries import find_country, sector_summaries
from app.projects.detail import ProjectDetail, project_exists, project_record
from app.projects.filter import ProjectFilter
from app.queries.cache import current_version
from app.queries.claim_list import ClaimFilter
from app.statements.filter import StatementFilter

ProjectQuery = Annotated[ProjectFilter, Query()]
MetricQuery = Annotated[MetricFilter, Query()]
StatementQuery = Annotated[StatementFilter, Query()]
ClaimQuery = Annotated[ClaimFilter, Query()]

Slug = Annotated[str, Path(max_length=200, description="Slug of the record")]
Iso3 = Annotated[str, Path(max_length=3, description="ISO 3166-1 alpha-3 code (any case)")]


def _give_back_connection(session: Session) -> None:
    """End a lookup's read, so its pooled connection goes back before the route waits for its
    own turn on a handler thread. Kept into that wait, every connection could end up held by a
    request waiting for a thread while every thread waited for a connection: `make bench`'s
    soak (64 connections) locked the server up that way (issue 11). Nothing is written here."""
    session.rollback()


def found_project(session: SessionDep, slug: Slug) -> str:
    """The URL's slug if the data has that project, or a 404.

    Only a check: a dependency runs before the response cache can answer, so the route builds
    the record (`project_detail`) and a URL asked for again builds nothing."""
    exists = project_exists(session, slug=slug)
    current_version(session)  # the response cache's key; read now, on the same connection
    _give_back_connection(session)
    if not exists:
        raise _no_project(slug)
    return slug


def project_detail(session: Session, slug: str) -> ProjectDetail:
    """The record of a project `found_project` found, or a 404 if a load removed it since."""
    project = project_record(session, slug=slug)
    if project is None:
        raise _no_project(slug)
    return project


def _no_project(slug: str) -> NotFound:
    return NotFound("Project", f"No project has the slug {slug!r}.")


def found_country(session: SessionDep, iso3: Iso3) -> Country:
    """The country of the URL's ISO3 code (any case), or a 404."""
    country = find_country(session, iso3=iso3)
    _give_back_connection(session)
    if country is None:
        raise NotFound(
            "Country", f"No country has the code {iso3!r}; use an ISO 3166-1 alpha-3 code."
        )
    return country


def found_sector(session: SessionDep, slug: Slug) -> SectorSummary:
    """The sector or technology of the URL's slug, or a 404."""
    sector = sector_summaries(session).get(slug)
    _give_back_connection(session)
    if sector is None:
        raise NotFound(
            "Sector", f"No sector has the slug {slug!r}; use a sector or technology slug."
        )
    return sector


FoundProject = Annotated[str, Depends(found_project)]  # the slug
FoundCountry = Annotated[Country, Depends(found_country)]
FoundSector = Annotated[SectorSummary, Depends(found_sector)]
