"""Response models of the JSON API, also returned by app/queries/detail.py to the pages.

Every field has a description: it becomes the OpenAPI documentation at /docs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.models import (
    Basis,
    LocationPrecision,
    MetricKind,
    OrganizationKind,
    PartyRole,
    Period,
    ProjectKind,
    ProjectStatus,
    Qualifier,
    Scope,
    SourceKind,
    StatementForm,
)
from app.queries.checks import CheckView, ExpectedOnly
from app.schemas import FacetValue, ProjectSummary

# ---------------------------------------------------------------- references


class SectorRef(BaseModel):
    """A sector or technology, by slug and name."""

    slug: str = Field(description="Sector or technology slug")
    name: str = Field(description="Sector or technology name")
    parent: str | None = Field(default=None, description="Parent sector slug (None for a sector)")


class CountryRef(BaseModel):
    """A country with its UN M49 region."""

    iso3: str = Field(description="ISO 3166-1 alpha-3 code")
    name: str = Field(description="Country name")
    region: str | None = Field(default=None, description="UN M49 region")
    subregion: str | None = Field(default=None, description="UN M49 subregion")


class SourceOut(BaseModel):
    """A document a figure or statement comes from."""

    slug: str = Field(description="Source identifier")
    title: str = Field(description="Title of the document (or a description when it has none)")
    publisher: str = Field(description="Publisher")
    author: str | None = Field(default=None, description="Author, where known")
    url: str | None = Field(default=None, description="Address of the document (http/https)")
    published_on: date | None = Field(default=None, description="Publication date, if exact")
    date_note: str | None = Field(default=None, description="How precise the date is")
    language: str | None = Field(default=None, description="ISO 639-1 language code")
    kind: SourceKind = Field(description="news, company, government, report, academic, ...")
    note: str | None = Field(default=None, description="Notes on the copy read")


class OrganizationRef(BaseModel):
    """An organisation: company, government body, lender, NGO, ..."""

    slug: str = Field(description="Organisation identifier")
    name: str = Field(description="Organisation name")
    local_name: str | None = Field(default=None, description="Name in the local language")
    kind: OrganizationKind = Field(description="company, government, lender, ngo, ...")
    country: str | None = Field(default=None, description="ISO3 code of its country")


class PersonRef(BaseModel):
    """A person who made a statement."""

    slug: str = Field(description="Person identifier")
    name: str = Field(description="Name")
    title: str | None = Field(default=None, description="Title or role as stated")
    organization: str | None = Field(default=None, description="Organisation slug")


class ProjectRef(BaseModel):
    """A project by slug and name."""

    slug: str = Field(description="Project slug (URL key)")
    name: str = Field(description="Project name")


class PartyOut(BaseModel):
    """An organisation's role in a project."""

    organization: OrganizationRef = Field(description="The organisation")
    role: PartyRole = Field(description="owner, developer, epc, operator, financier, ...")
    note: str | None = Field(default=None, description="Share, caveats and sources of the role")


# ---------------------------------------------------------------- figures and statements


class MetricOut(BaseModel):
    """A figure about a project, as stated and in its canonical unit, with basis and source."""

    slug: str = Field(description="Metric identifier: project slug / local id")
    project: ProjectRef = Field(description="The project the figure is about")
    kind: MetricKind = Field(description="What is measured (emissions_avoided, generation, ...)")
    value: float = Field(description="The value as stated")
    value_high: float | None = Field(default=None, description="Upper end of a stated range")
    qualifier: Qualifier = Field(description="exact, about, over, under or up_to, as worded")
    unit: str = Field(description="Unit as stated")
    canonical_value: float | None = Field(default=None, description="Value in canonical_unit")
    canonical_value_high: float | None = Field(
        default=None, description="value_high in canonical_unit"
    )
    canonical_unit: str | None = Field(default=None, description="Canonical unit of the kind")
    period: Period = Field(description="annual, cumulative, one_off or unspecified")
    period_start: date | None = Field(default=None, description="Start of the period, if stated")
    period_end: date | None = Field(default=None, description="End of the period, if stated")
    year: int | None = Field(default=None, description="Year an annual figure refers to")
    baseline: str | None = Field(default=None, description="What the saving is measured against")
    scope: Scope = Field(description="operational, lifecycle, direct or unspecified")
    basis: Basis = Field(description="claimed, reported, verified or derived: never blurred")
    source: SourceOut = Field(description="Document the figure comes from")
    statement: str | None = Field(default=None, description="Slug of the statement making it")
    claimant: str | None = Field(default=None, description="Who made the claim, as text")
    stated_on: date | None = Field(default=None, description="Date the claim was made")
    uncertain: bool = Field(description="True when the sources disagree or the figure is unsure")
    note: str | None = Field(default=None, description="Caveats and ambiguities")


class StatementOut(BaseModel):
    """Something a person or organisation said, as reported by a source."""

    slug: str = Field(description="Statement identifier")
    text: str = Field(description="The statement (the quote itself for a direct quote)")
    form: StatementForm = Field(description="direct_quote or paraphrase")
    speaker: PersonRef | None = Field(default=None, description="Who said it, where named")
    speaker_role: str | None = Field(default=None, description="The speaker's role as stated")
    organization: OrganizationRef | None = Field(
        default=None, description="Organisation it is attributed to"
    )
    said_on: date | None = Field(default=None, description="Date it was said")
    event: str | None = Field(default=None, description="Event where it was said")
    source: SourceOut = Field(description="Document reporting it")
    language: str | None = Field(default=None, description="ISO 639-1 language of the text")
    projects: list[ProjectRef] = Field(default_factory=list, description="Projects it is about")
    sectors: list[SectorRef] = Field(default_factory=list, description="Sectors it is about")


class LocationOut(BaseModel):
    """Where a project is: only coordinates a source gives, or a named gazetteer place."""

    latitude: float | None = Field(default=None, description="Latitude (WGS84)")
    longitude: float | None = Field(default=None, description="Longitude (WGS84)")
    precision: LocationPrecision | None = Field(
        default=None, description="exact (from a source) or approximate (nearest named place)"
    )
    name: str | None = Field(default=None, description="Name of the place")
    source: SourceOut | None = Field(default=None, description="Source of the coordinates")
    geometry: dict[str, Any] | None = Field(
        default=None, description="GeoJSON geometry (e.g. a line for a railway), where sourced"
    )


# ---------------------------------------------------------------- claim checks
# The view models of app/queries/checks.py, documented for the API: the descriptions below fill
# the fields that have none there, so /docs explains every field.

CHECK_FIELD_DOCS = {
    "project_slug": "Slug of the project the claim is about",
    "project_name": "Name of the project",
    "check_label": "What the check computes, in words",
    "verdict": "consistent, above_range, below_range or not_checkable",
    "expected_low": "Low end of the range the sourced inputs imply",
    "expected_high": "High end of the range the sourced inputs imply",
    "expected_unit": "Unit of the expected range (e.g. t/yr)",
    "claim_kind": "Kind of the claimed figure (emissions_avoided, ...)",
    "claim_value": "The claimed value as stated",
    "claim_value_high": "Upper end of a claimed range",
    "claim_qualifier": "exact, about, over, under or up_to, as worded",
    "claim_period": "annual, cumulative, one_off or unspecified",
    "claim_baseline": "What the claim says the saving is measured against",
    "claim_scope": "operational, lifecycle, direct or unspecified",
    "claimant": "Who made the claim, as text",
    "stated_on": "Date the claim was made",
    "source_slug": "Source of the claim",
    "source_title": "Title of the claim's source",
    "source_url": "Address of the claim's source",
    "inputs": "Every input of the computation with its value, unit and source",
    "low": "Low end of the expected range",
    "high": "High end of the expected range",
    "unit": "Unit of the range",
    "note": "What the range is and why there is no verdict",
    "arithmetic": "The computation, line by line",
}


def _describe(schema: dict[str, Any]) -> None:
    for name, spec in schema.get("properties", {}).items():
        if not spec.get("description") and name in CHECK_FIELD_DOCS:
            spec["description"] = CHECK_FIELD_DOCS[name]


class ClaimCheckOut(CheckView):
    """One emission claim checked under one reading of its wording, with the arithmetic and the
    source of every input."""

    model_config = ConfigDict(json_schema_extra=_describe)


class ExpectedRangeOut(ExpectedOnly):
    """The range a project's activity data imply when it has no claim to compare with."""

    model_config = ConfigDict(json_schema_extra=_describe)


class RelatedProject(ProjectRef):
    """A project of the same technology or sector."""

    technology: SectorRef = Field(description="Its technology")


class ProjectDetail(BaseModel):
    """A project with everything known about it and where each fact comes from."""

    slug: str = Field(description="Project slug (URL key)")
    name: str = Field(description="Project name")
    local_name: str | None = Field(default=None, description="Name in the local language")
    kind: ProjectKind = Field(description="bri (overseas project) or reference (showcase)")
    sector: SectorRef = Field(description="Sector")
    technology: SectorRef = Field(description="Technology within the sector")
    status: ProjectStatus | None = Field(default=None, description="Project status")
    capacity_value: float | None = Field(default=None, description="Capacity as stated")
    capacity_unit: str | None = Field(default=None, description="Unit of the capacity")
    capacity_note: str | None = Field(default=None, description="Notes on the capacity")
    opened_on: date | None = Field(default=None, description="Opening date")
    construction_started_on: date | None = Field(default=None, description="Construction start")
    cost_usd: float | None = Field(default=None, description="Cost in US dollars, where sourced")
    cost_note: str | None = Field(default=None, description="Ranges and disagreements on cost")
    claimed_tco2_per_year: float | None = Field(
        default=None, description="Largest annual CO2 reduction claimed, tonnes per year"
    )
    summary: str | None = Field(default=None, description="One paragraph from the sources")
    facts_note: str | None = Field(default=None, description="Disagreements between sources")
    location: LocationOut | None = Field(default=None, description="Location, where sourced")
    countries: list[CountryRef] = Field(default_factory=list, description="Countries")
    parties: list[PartyOut] = Field(default_factory=list, description="Organisations and roles")
    metrics: list[MetricOut] = Field(default_factory=list, description="Figures with sources")
    statements: list[StatementOut] = Field(
        default_factory=list, description="Statements about the project"
    )
    sources: list[SourceOut] = Field(
        default_factory=list, description="Every source cited for the project, its figures"
    )
    checks: list[ClaimCheckOut] = Field(
        default_factory=list, description="Plausibility check of each emission claim"
    )
    no_claim: str | None = Field(
        default=None, description="Said when the project has no emission claim to check"
    )
    expected_without_claim: ExpectedRangeOut | None = Field(
        default=None, description="Range the project's data imply when there is no claim"
    )
    related: list[RelatedProject] = Field(
        default_factory=list, description="Projects of the same technology, then the same sector"
    )


# ---------------------------------------------------------------- lists


class MetricPage(BaseModel):
    """A page of metrics."""

    items: list[MetricOut] = Field(description="Metrics of this page")
    total: int = Field(description="Metrics matching the filter")
    page: int = Field(description="This page number, from 1")
    per_page: int = Field(description="Rows per page")


class StatementPage(BaseModel):
    """A page of statements with the choices of the statement filter form."""

    items: list[StatementOut] = Field(description="Statements of this page, newest first")
    total: int = Field(description="Statements matching the filter")
    page: int = Field(description="This page number, from 1")
    per_page: int = Field(description="Rows per page")
    organizations: list[FacetValue] = Field(
        default_factory=list, description="Organisations with statements (all statements)"
    )
    projects: list[FacetValue] = Field(
        default_factory=list, description="Projects with statements (all statements)"
    )
    sectors: list[FacetValue] = Field(
        default_factory=list, description="Sectors with statements (all statements)"
    )


class CountrySummary(BaseModel):
    """A country with projects in the catalogue."""

    iso3: str = Field(description="ISO 3166-1 alpha-3 code")
    iso2: str = Field(description="ISO 3166-1 alpha-2 code")
    name: str = Field(description="Country name")
    region: str | None = Field(default=None, description="UN M49 region")
    subregion: str | None = Field(default=None, description="UN M49 subregion")
    project_count: int = Field(description="Projects in this country")


class CountryDetail(CountrySummary):
    """A country with its projects."""

    official_name: str | None = Field(default=None, description="Official name")
    projects: list[ProjectSummary] = Field(
        default_factory=list, description="Projects in the country, by name"
    )
    sector_counts: list[FacetValue] = Field(
        default_factory=list, description="Projects per sector in the country"
    )


class SectorSummary(BaseModel):
    """A sector or technology of the taxonomy with its project count."""

    slug: str = Field(description="Sector or technology slug")
    name: str = Field(description="Name")
    parent: str | None = Field(default=None, description="Parent sector (None for a sector)")
    description: str | None = Field(default=None, description="What it covers")
    project_count: int = Field(description="Projects in it (a sector counts its technologies)")
    technologies: list[SectorSummary] = Field(
        default_factory=list, description="Technologies of a sector"
    )


class SectorDetail(SectorSummary):
    """A sector or technology with its projects and statements."""

    projects: list[ProjectSummary] = Field(
        default_factory=list, description="Projects in the sector, by name"
    )
    statements: list[StatementOut] = Field(
        default_factory=list, description="Statements about the sector, newest first"
    )


class ProblemDetail(BaseModel):
    """An error: what was wrong with the request."""

    detail: str = Field(description="What was wrong, in words")
