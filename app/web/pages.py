"""HTML pages. Thin routes: parse, call app/queries, render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.responses import Response

from app.db import SessionDep
from app.queries.projects import list_projects
from app.schemas import ProjectFilter
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability."""
    session.connection().execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/")
def overview(request: Request, session: SessionDep) -> Response:
    """The projects, plainly listed (the full overview comes with the dashboard)."""
    page = list_projects(session, filters=ProjectFilter(per_page=200), with_facets=False)
    return render(request, "overview.html", {"page": page})
