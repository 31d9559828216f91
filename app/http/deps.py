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
from app.projects.detail import ProjectDetail, project_record
from app.projects.filter import ProjectFilter
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


def found_project(session: SessionDep, slug: Slug) -> ProjectDetail:
    """The project of the URL's slug, with everything known about it, or a 404."""
    project = project_record(session, slug=slug)
    _give_back_connection(session)
    if project is None:
        raise NotFound("Project", f"No project has the slug {slug!r}.")
    return project


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


FoundProject = Annotated[ProjectDetail, Depends(found_project)]
FoundCountry = Annotated[Country, Depends(found_country)]
FoundSector = Annotated[SectorSummary, Depends(found_sector)]
