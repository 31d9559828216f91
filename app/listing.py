"""The shapes of a list answer, shared by every room: a page of rows and facet counts."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class FacetValue(BaseModel):
    """One value of a facet with the number of projects it would give."""

    value: str = Field(description="Value to pass as the query parameter")
    label: str = Field(description="Human-readable name")
    count: int = Field(description="Projects matching the other filters and this value")
    selected: bool = Field(description="Whether the current filter includes this value")
    parent: str | None = Field(default=None, description="Parent value (sector of a technology)")


class Page(BaseModel, Generic[T]):
    """A page of results with the total and the facet counts of the filter."""

    items: list[T] = Field(description="Rows of this page")
    total: int = Field(description="Rows matching the filter")
    page: int = Field(description="This page number, from 1")
    per_page: int = Field(description="Rows per page")
    facets: dict[str, list[FacetValue]] = Field(
        default_factory=dict, description="Counts per facet value, following the other filters"
    )

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
