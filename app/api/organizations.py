"""JSON API of organisations (/api/v1/organizations[/{slug}]) and of the cross-walk of ids
(/api/v1/external-ids/{system}/{value})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.db import SessionDep
from app.financing import queries
from app.financing.org_schemas import OrganizationDetail, OrganizationSummary
from app.http.cache import cached_response
from app.http.errors import ERROR_RESPONSES, NOT_FOUND, NotFound
from app.http.responses import json_response

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get(
    "/organizations",
    response_model=list[OrganizationSummary],
    responses=ERROR_RESPONSES,
    summary="Organisations with their projects and lending",
)
@cached_response
def organizations(request: Request, session: SessionDep) -> Response:
    """Every organisation with its project count, financing records and amount lent."""
    return json_response(request, queries.list_organizations(session))


@router.get(
    "/organizations/{slug}",
    response_model=OrganizationDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One organisation with its roles, lending and statements",
)
@cached_response
def organization(
    request: Request,
    session: SessionDep,
    slug: Annotated[str, Path(max_length=200, description="Organisation slug")],
) -> Response:
    """An organisation's roles across projects, its financing records and amount lent."""
    found = queries.organization_detail(session, slug=slug)
    if found is None:
        raise NotFound("Organisation", f"unknown organization {slug!r}")
    return json_response(request, found)


class ExternalIdLookup(BaseModel):
    """The projects that carry one id of another database."""

    system: str = Field(description="aiddata, osm, gem, wikidata, cdm, verra...")
    value: str = Field(description="The id in that database")
    projects: list[str] = Field(description="Slugs of the projects carrying it")


@router.get(
    "/external-ids/{system}/{value:path}",
    response_model=ExternalIdLookup,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="Projects carrying an id of another database (e.g. an AidData record id)",
)
def external_id(
    request: Request,
    session: SessionDep,
    system: Annotated[str, Path(max_length=32, description="aiddata, osm, gem, wikidata...")],
    value: Annotated[str, Path(max_length=200, description="The id in that database")],
) -> Response:
    """The cross-walk: which of our projects an outside record (AidData #92311...) is about."""
    slugs = queries.projects_with_external_id(session, system=system, value=value)
    if not slugs:
        raise NotFound("Record", f"no project carries {system} id {value!r}")
    return json_response(request, ExternalIdLookup(system=system, value=value, projects=slugs))
