"""Kept only for app/queries/stats.py `latest_statements`, which still imports `statement_rows`.

Statements are queried by app/queries/detail.py `list_statements` (pages and API alike); this
wrapper adds no query of its own and should go when stats.py stops importing it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.queries.detail import list_statements
from app.schemas import PER_PAGE_MAX


def statement_rows(
    session: Session,
    *,
    organization: list[str] | None = None,
    project: list[str] | None = None,
    sector: list[str] | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The first `limit` statements of `list_statements`, newest first, as plain dicts."""
    page = list_statements(
        session,
        organization=organization,
        project=project,
        sector=sector,
        per_page=min(limit, PER_PAGE_MAX),
    )
    return [item.model_dump() for item in page.items]
