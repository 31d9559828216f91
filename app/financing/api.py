"""JSON API of organisations: /api/v1/organizations and /api/v1/organizations/{slug}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.http import ERROR_RESPONSES, NOT_FOUND, ClearErrorsRoute, json_response, problem
from app.db import SessionDep
from app.financing import queries
from app.financing.org_schemas import OrganizationDetail, OrganizationSummary

router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ClearErrorsRoute)


@router.get(
    "/organizations",
    response_model=list[OrganizationSummary],
    responses=ERROR_RESPONSES,
    summary="Organisations with their projects and lending",
)
def organizations(request: Request, session: SessionDep) -> Response:
    """Every organisation with its project count, financing records and amount lent."""
    return json_response(request, queries.list_organizations(session))


@router.get(
    "/organizations/{slug}",
    response_model=OrganizationDetail,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One organisation with its roles, lending and statements",
)
def organization(
    request: Request,
    session: SessionDep,
    slug: Annotated[str, Path(max_length=200, description="Organisation slug")],
) -> Response:
    """An organisation's roles across projects, its financing records and amount lent."""
    found = queries.organization_detail(session, slug=slug)
    if found is None:
        return problem(404, f"unknown organization {slug!r}")
    return json_response(request, found)
