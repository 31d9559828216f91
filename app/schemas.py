"""View models shared by pages and the API: the catalogue filter, pages and facets."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.models import ProjectKind, ProjectStatus, Verdict

T = TypeVar("T")

PER_PAGE_MAX = 200
PAGE_MAX = 100_000
Q_MAX_LENGTH = 200


class SortKey(StrEnum):
    name = "name"
    name_desc = "-name"
    capacity = "capacity"
    capacity_desc = "-capacity"
    claimed = "claimed"
    claimed_desc = "-claimed"
    opened = "opened"
    opened_desc = "-opened"


class ProjectFilter(BaseModel):
    """Catalogue query parameters. Values within one parameter are OR, parameters are AND."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sector: list[str] = Field(
        default_factory=list, description="Sector or technology slug (repeatable)"
    )
    country: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-3 (repeatable)")
    region: list[str] = Field(
        default_factory=list, description="UN M49 region or subregion slug, e.g. south-eastern-asia"
    )
    status: list[ProjectStatus] = Field(default_factory=list, description="Project status")
    kind: list[ProjectKind] = Field(
        default_factory=list, description="bri (overseas project) or reference (domestic showcase)"
    )
    verdict: list[Verdict] = Field(
        default_factory=list, description="Verdict of a claim check on any of the project's claims"
    )
    lender: list[str] = Field(
        default_factory=list,
        description="Organisation slug of a lender: a financing record or a financier party",
    )
    q: str | None = Field(default=None, max_length=Q_MAX_LENGTH, description="Text search")
    sort: SortKey = Field(default=SortKey.name, description="Sort order; '-' for descending")
    page: int = Field(default=1, ge=1, le=PAGE_MAX, description="Page number, from 1")
    per_page: int = Field(default=50, ge=1, le=PER_PAGE_MAX, description="Rows per page")

    def cache_key(self) -> tuple[object, ...]:
        return (
            tuple(sorted(set(self.sector))),
            tuple(sorted(set(c.upper() for c in self.country))),
            tuple(sorted(set(self.region))),
            tuple(sorted(set(self.status))),
            tuple(sorted(set(self.kind))),
            tuple(sorted(set(self.verdict))),
            (self.q or "").strip().lower(),
            tuple(sorted(set(self.lender))),
        )

    def query_items(self, **changes: object) -> list[tuple[str, str]]:
        """The filter as query-string pairs (defaults left out), with `changes` applied."""
        data = self.model_dump(mode="json")
        data.update(changes)
        pairs: list[tuple[str, str]] = []
        for key in ("sector", "country", "region", "status", "kind", "verdict", "lender"):
            pairs += [(key, str(v)) for v in data[key]]
        if data["q"]:
            pairs.append(("q", data["q"]))
        if data["sort"] != SortKey.name.value:
            pairs.append(("sort", str(data["sort"])))
        if data["page"] != 1:
            pairs.append(("page", str(data["page"])))
        if data["per_page"] != 50:
            pairs.append(("per_page", str(data["per_page"])))
        return pairs


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
