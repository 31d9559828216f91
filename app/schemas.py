"""View models shared by pages and the API: pages of results and facet counts."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.models import ProjectKind, ProjectStatus

T = TypeVar("T")


class FacetValue(BaseModel):
    """One value of a facet with the number of projects it would give."""

    value: str = Field(description="Value to pass as the query parameter")
    label: str = Field(description="Human-readable name")
    count: int = Field(description="Projects matching the other filters and this value")
    selected: bool = Field(description="Whether the current filter includes this value")
    parent: str | None = Field(default=None, description="Parent value (sector of a technology)")


class ProjectSummary(BaseModel):
    """A project as listed in the catalogue."""

    slug: str = Field(description="Stable identifier used in URLs")
    name: str = Field(description="Project name")
    local_name: str | None = Field(default=None, description="Name in the local language")
    kind: ProjectKind = Field(description="bri or reference")
    sector: str = Field(description="Sector slug")
    technology: str = Field(description="Technology slug")
    technology_name: str = Field(description="Technology name")
    status: ProjectStatus | None = Field(default=None, description="Project status")
    capacity_value: float | None = Field(default=None, description="Capacity as stated")
    capacity_unit: str | None = Field(default=None, description="Unit of the capacity")
    opened_on: date | None = Field(default=None, description="Opening (commercial operation) date")
    cost_usd: float | None = Field(default=None, description="Cost in US dollars, where sourced")
    claimed_tco2_per_year: float | None = Field(
        default=None, description="Largest annual CO2 reduction claimed, tonnes per year"
    )
    latitude: float | None = Field(default=None, description="Latitude (WGS84)")
    longitude: float | None = Field(default=None, description="Longitude (WGS84)")
    location_precision: str | None = Field(default=None, description="exact or approximate")
    countries: list[str] = Field(default_factory=list, description="ISO3 codes of its countries")


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
