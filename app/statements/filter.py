"""The statement filter of the /statements page, /api/v1/statements and /statements.csv."""

from __future__ import annotations

from pydantic import Field

from app.filtering import PAGE_MAX, PER_PAGE_MAX, FilterModel

LIST_FIELDS = ("organization", "project", "sector")


class StatementFilter(FilterModel):
    """Query parameters of the statement lists (OR within one, AND across)."""

    organization: tuple[str, ...] = Field(default=(), description="Organisation slug (repeatable)")
    project: tuple[str, ...] = Field(default=(), description="Project slug (repeatable)")
    sector: tuple[str, ...] = Field(
        default=(),
        description="Sector or technology slug; matches statements tagged with it or about its "
        "projects (repeatable)",
    )
    page: int = Field(default=1, ge=1, le=PAGE_MAX, description="Page number, from 1")
    per_page: int = Field(default=50, ge=1, le=PER_PAGE_MAX, description="Rows per page")
