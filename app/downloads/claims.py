"""/claims.csv: every claim the explorer's filter matches, one row per reading of its wording."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.exports import claims_csv
from app.http.deps import ClaimQuery
from app.http.responses import conditional

router = APIRouter(include_in_schema=False)


@router.get("/claims.csv")
def claims_csv_download(request: Request, session: SessionDep, filters: ClaimQuery) -> Response:
    """Every claim matching the explorer's filter (all pages), as UTF-8 CSV."""
    base_url = request.app.state.settings.public_url.rstrip("/")
    body = claims_csv(session, filters, base_url).encode("utf-8")
    headers = {"Content-Disposition": 'attachment; filename="claims.csv"'}
    return conditional(request, body, "text/csv; charset=utf-8", headers)
