"""The dataset changelog page: what each load added, changed or removed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.changelog.queries import recent_loads
from app.db import SessionDep
from app.http.cache import cached_response
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/changes")
@cached_response
def changes(request: Request, session: SessionDep) -> Response:
    """The latest loads that changed the dataset, newest first, with the projects they touched."""
    return render(request, "changes.html", {"loads": recent_loads(session)})
