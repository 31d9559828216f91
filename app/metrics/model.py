"""A metric, declared once. Its fields and their descriptions are written here and nowhere
else: the table, the loader's input (metrics.csv) and the public model (API, downloads) derive
from `MetricFields`, and the loader's column list is read from it (app/loader/writing.py).

Adding a field: add it to `MetricFields` (or `MetricValues` if the loader computes it) and
write a migration. The loader then reads it from files, writes it, exports it in the data
package, and the API returns it; see docs/architecture.md.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.projects.model import ProjectRef
from app.records import InputModel, enum_type
from app.sources.model import SourceOut


class MetricKind(StrEnum):
    emissions_avoided = "emissions_avoided"
    emissions_reduction_pct = "emissions_reduction_pct"
    generation = "generation"
    freight = "freight"
    passengers = "passengers"
    cost_reduction_pct = "cost_reduction_pct"
    emission_intensity = "emission_intensity"
    capacity_factor = "capacity_factor"
    coal_saved = "coal_saved"
    other = "other"


class Qualifier(StrEnum):
    exact = "exact"
    about = "about"
    almost = "almost"  # "almost 4 Mt", "nearly 300,000 t": just under the figure
    over = "over"
    under = "under"
    up_to = "up_to"


class Period(StrEnum):
    annual = "annual"
    cumulative = "cumulative"
    one_off = "one_off"
    unspecified = "unspecified"


class Scope(StrEnum):
    operational = "operational"
    lifecycle = "lifecycle"
    direct = "direct"
    unspecified = "unspecified"


class Basis(StrEnum):
    claimed = "claimed"
    reported = "reported"
    verified = "verified"
    derived = "derived"


class MetricFields(BaseModel):
    """A figure about a project, as its source states it."""

    slug: str = Field(primary_key=True, description="Metric identifier: project slug / local id")
    kind: MetricKind = Field(
        sa_type=enum_type(MetricKind),
        description="What is measured (emissions_avoided, generation, ...)",
    )
    value: float = Field(ge=0, description="The value as stated")
    value_high: float | None = Field(default=None, ge=0, description="Upper end of a stated range")
    qualifier: Qualifier = Field(
        default=Qualifier.exact,
        sa_type=enum_type(Qualifier),
        description="exact, about, over, under or up_to, as worded",
    )
    unit: str = Field(description="Unit as stated")
    period: Period = Field(
        default=Period.unspecified,
        sa_type=enum_type(Period),
        description="annual, cumulative, one_off or unspecified",
    )
    period_start: date | None = Field(default=None, description="Start of the period, if stated")
    period_end: date | None = Field(default=None, description="End of the period, if stated")
    year: int | None = Field(
        default=None, ge=1900, le=2100, description="Year an annual figure refers to"
    )
    baseline: str | None = Field(default=None, description="What the saving is measured against")
    scope: Scope = Field(
        default=Scope.unspecified,
        sa_type=enum_type(Scope),
        description="operational, lifecycle, direct or unspecified",
    )
    basis: Basis = Field(
        sa_type=enum_type(Basis),
        description="claimed, reported, verified or derived: never blurred",
    )
    claimant: str | None = Field(default=None, description="Who made the claim, as text")
    stated_on: date | None = Field(default=None, description="Date the claim was made")
    uncertain: bool = Field(
        default=False, description="True when the sources disagree or the figure is unsure"
    )
    note: str | None = Field(default=None, sa_type=Text, description="Caveats and ambiguities")


class MetricValues(MetricFields):
    """The figure as stated and in the canonical unit of its kind (computed by the loader)."""

    canonical_value: float | None = Field(default=None, description="Value in canonical_unit")
    canonical_value_high: float | None = Field(
        default=None, description="value_high in canonical_unit"
    )
    canonical_unit: str | None = Field(default=None, description="Canonical unit of the kind")


class Metric(SQLModel, MetricValues, table=True):
    """A figure about a project: as stated, in its canonical unit, with basis and source."""

    __table_args__ = (Index("ix_metric_project_kind", "project_slug", "kind"),)

    project_slug: str = Field(foreign_key="project.slug", ondelete="CASCADE")
    source_slug: str = Field(foreign_key="source.slug", index=True)
    statement_slug: str | None = Field(default=None, foreign_key="statement.slug", index=True)


class MetricIn(MetricFields, InputModel):
    """A row of metrics.csv, or an entry of a project file's `metrics:` (docs/data-format.md)."""

    project: str = Field(description="Slug of the project the figure is about")
    source: str = Field(description="Slug of the source the figure comes from")
    statement: str | None = Field(default=None, description="Slug of the statement making it")


class MetricOut(MetricValues):
    """A figure about a project, as stated and in its canonical unit, with basis and source."""

    project: ProjectRef = Field(description="The project the figure is about")
    source: SourceOut = Field(description="Document the figure comes from")
    statement: str | None = Field(default=None, description="Slug of the statement making it")

    @classmethod
    def from_row(cls, row: Any, *, source: SourceOut) -> MetricOut:
        """A public metric from a `metric` row joined with its project's name."""
        return cls.model_validate(
            {
                **row,
                "project": ProjectRef(slug=row["project_slug"], name=row["project_name"]),
                "source": source,
                "statement": row["statement_slug"],
            }
        )


class MetricPage(BaseModel):
    """A page of metrics."""

    items: list[MetricOut] = Field(description="Metrics of this page")
    total: int = Field(description="Metrics matching the filter")
    page: int = Field(description="This page number, from 1")
    per_page: int = Field(description="Rows per page")
