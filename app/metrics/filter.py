"""The metric filter of /api/v1/metrics and /metrics.csv."""

from __future__ import annotations

from pydantic import Field

from app.filtering import PAGE_MAX, PER_PAGE_MAX, CountryCodes, FilterModel
from app.metrics.model import Basis, MetricKind


class MetricFilter(FilterModel):
    """Query parameters of /api/v1/metrics and /metrics.csv (OR within one, AND across)."""

    project: tuple[str, ...] = Field(default=(), description="Project slug (repeatable)")
    kind: tuple[MetricKind, ...] = Field(default=(), description="Metric kind (repeatable)")
    basis: tuple[Basis, ...] = Field(
        default=(), description="claimed, reported, verified or derived (repeatable)"
    )
    sector: tuple[str, ...] = Field(
        default=(), description="Sector or technology slug of the project (repeatable)"
    )
    country: CountryCodes = Field(
        default=(), description="ISO3 code of the project's country (repeatable)"
    )
    page: int = Field(default=1, ge=1, le=PAGE_MAX, description="Page number, from 1")
    per_page: int = Field(default=50, ge=1, le=PER_PAGE_MAX, description="Rows per page")
