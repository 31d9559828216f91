"""A project, declared once: the fields every shape shares (with their descriptions), and the
table, the loader's input and the public models that derive from them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.organizations.model import OrganizationRef
from app.places.model import SectorRef
from app.records import InputModel, check_slug, enum_type
from app.sources.model import SourceOut


class ProjectKind(StrEnum):
    bri = "bri"
    reference = "reference"


class ProjectStatus(StrEnum):
    planned = "planned"
    under_construction = "under_construction"
    operational = "operational"
    suspended = "suspended"
    cancelled = "cancelled"


class LocationPrecision(StrEnum):
    exact = "exact"
    approximate = "approximate"


class PartyRole(StrEnum):
    owner = "owner"
    developer = "developer"
    epc = "epc"
    operator = "operator"
    financier = "financier"
    supplier = "supplier"
    offtaker = "offtaker"
    other = "other"


class ProjectCore(BaseModel):
    """What a catalogue row shows of a project."""

    slug: str = Field(primary_key=True, description="Stable identifier used in URLs")
    name: str = Field(index=True, min_length=1, description="Project name")
    local_name: str | None = Field(default=None, description="Name in the local language")
    kind: ProjectKind = Field(
        default=ProjectKind.bri,
        index=True,
        sa_type=enum_type(ProjectKind),
        description="bri (overseas project) or reference (domestic showcase)",
    )
    status: ProjectStatus | None = Field(
        default=None, index=True, sa_type=enum_type(ProjectStatus), description="Project status"
    )
    capacity_value: float | None = Field(default=None, ge=0, description="Capacity as stated")
    capacity_unit: str | None = Field(default=None, description="Unit of the capacity")
    opened_on: date | None = Field(
        default=None, index=True, description="Opening (commercial operation) date"
    )
    cost_usd: float | None = Field(
        default=None, ge=0, description="Cost in US dollars, where sourced"
    )


class ProjectFields(ProjectCore):
    """Everything a source says about a project itself."""

    capacity_note: str | None = Field(default=None, description="Notes on the capacity")
    construction_started_on: date | None = Field(default=None, description="Construction start")
    cost_note: str | None = Field(default=None, description="Ranges and disagreements on cost")
    summary: str | None = Field(
        default=None, sa_type=Text, description="One paragraph from the sources"
    )
    facts_note: str | None = Field(
        default=None, sa_type=Text, description="Disagreements between sources"
    )
    origin: str | None = Field(
        default=None,
        max_length=32,
        index=True,
        description="Empty for a curated project; 'aiddata' for one the AidData import built "
        "(the import may rewrite those, never a curated one)",
    )


class Place(BaseModel):
    """Where a project is: only coordinates a source gives, or a named gazetteer place."""

    latitude: float | None = Field(default=None, ge=-90, le=90, description="Latitude (WGS84)")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="Longitude (WGS84)")
    location_precision: LocationPrecision | None = Field(
        default=None,
        sa_type=enum_type(LocationPrecision),
        description="exact (from a source) or approximate (nearest named place)",
    )
    location_name: str | None = Field(default=None, description="Name of the place")
    geometry_geojson: str | None = Field(
        default=None, sa_type=Text, description="GeoJSON geometry (e.g. a line for a railway)"
    )


class Project(SQLModel, ProjectFields, Place, table=True):
    """A BRI project, or a domestic showcase cited as a model (kind=reference)."""

    __table_args__ = (
        Index("ix_project_technology_status", "technology_slug", "status"),
        # Catalogue default order within a technology: a page is read in index order.
        Index("ix_project_technology_name", "technology_slug", "name", "slug"),
        Index("ix_project_sector_status", "sector_slug", "status"),
        # Capacity units per technology, read from the index alone (catalogue.py: where a
        # capacity-sorted walk through the index starts).
        Index("ix_project_technology_unit", "technology_slug", "capacity_unit"),
    )

    technology_slug: str = Field(foreign_key="sector.slug")
    # Parent of the technology, kept beside it so a sector filter is one indexed lookup.
    sector_slug: str = Field(foreign_key="sector.slug")
    location_source_slug: str | None = Field(default=None, foreign_key="source.slug")
    # Largest annual CO2 claim in tonnes, set by the loader; the catalogue sorts on it.
    claimed_tco2_per_year: float | None = Field(default=None, index=True)
    search_text: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})


class FacetProfile(SQLModel, table=True):
    """How many projects share one combination of catalogue facet values (kept by the loader).

    Facet counts and totals for any filter are sums over these rows (app/projects/facets.py),
    never a scan of the filtered projects. Multi-valued facets are space-joined sorted sets."""

    __tablename__ = "facet_profile"

    id: int = Field(primary_key=True)
    technology_slug: str
    status: str = Field(description="Project status, '' when none")
    kind: str
    countries: str = Field(description="ISO3 codes, sorted, space-separated")
    verdicts: str = Field(description="Distinct claim-check verdicts, sorted, space-separated")
    claimed: bool = Field(description="Has an annual CO2 claim in tonnes")
    lenders: str = Field(
        default="",
        sa_column_kwargs={"server_default": ""},
        description="Lenders (of financing records, financier parties), sorted, space-separated",
    )
    projects: int


class ProjectFacetProfile(SQLModel, table=True):
    """Each project's row in facet_profile (kept by the loader): rows are found by profile id.

    A table of its own, not a column of `project`: the loader fills it after the projects are
    written, and updating every project row instead rewrote each row and all of its indexes on
    PostgreSQL (the trigram index included). No foreign key: rebuilt whole by every load.
    WITHOUT ROWID on SQLite: one B-tree keyed by slug, so the per-row lookup is one seek."""

    __tablename__ = "project_facet_profile"
    __table_args__ = {"sqlite_with_rowid": False}

    project_slug: str = Field(primary_key=True)
    facet_profile_id: int = Field(index=True)


class ProjectIn(ProjectFields, Place, InputModel):
    """A project file (YAML) or a row of projects.csv."""

    technology: str
    location_source: str | None = None

    _check_slug = field_validator("slug")(check_slug)


class ProjectCountry(SQLModel, table=True):
    __tablename__ = "project_country"
    __table_args__ = (Index("ix_project_country_country", "country_iso3", "project_slug"),)

    project_slug: str = Field(foreign_key="project.slug", primary_key=True, ondelete="CASCADE")
    country_iso3: str = Field(foreign_key="country.iso3", primary_key=True)


class ProjectParty(SQLModel, table=True):
    __tablename__ = "project_party"

    project_slug: str = Field(foreign_key="project.slug", primary_key=True, ondelete="CASCADE")
    organization_slug: str = Field(foreign_key="organization.slug", primary_key=True, index=True)
    role: PartyRole = Field(primary_key=True, sa_type=enum_type(PartyRole))
    note: str | None = None


class ProjectSource(SQLModel, table=True):
    __tablename__ = "project_source"

    project_slug: str = Field(foreign_key="project.slug", primary_key=True, ondelete="CASCADE")
    source_slug: str = Field(foreign_key="source.slug", primary_key=True, index=True)


# ---------------------------------------------------------------- public models


class ProjectRef(BaseModel):
    """A project by slug and name."""

    slug: str = Field(description="Project slug (URL key)")
    name: str = Field(description="Project name")


class ProjectSummary(ProjectCore):
    """A project as listed in the catalogue."""

    sector: str = Field(description="Sector slug")
    technology: str = Field(description="Technology slug")
    technology_name: str = Field(description="Technology name")
    claimed_tco2_per_year: float | None = Field(
        default=None, description="Largest annual CO2 reduction claimed, tonnes per year"
    )
    latitude: float | None = Field(default=None, description="Latitude (WGS84)")
    longitude: float | None = Field(default=None, description="Longitude (WGS84)")
    location_precision: str | None = Field(default=None, description="exact or approximate")
    countries: list[str] = Field(default_factory=list, description="ISO3 codes of its countries")

    @classmethod
    def from_row(cls, row: Any, *, technology_name: str, countries: list[str]) -> ProjectSummary:
        """A catalogue row from a `project` table row (a mapping)."""
        return cls.model_validate(
            {
                **row,
                "sector": row["sector_slug"],
                "technology": row["technology_slug"],
                "technology_name": technology_name,
                "countries": countries,
            }
        )


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


class PartyOut(BaseModel):
    """An organisation's role in a project."""

    organization: OrganizationRef = Field(description="The organisation")
    role: PartyRole = Field(description="owner, developer, epc, operator, financier, ...")
    note: str | None = Field(default=None, description="Share, caveats and sources of the role")


class RelatedProject(ProjectRef):
    """A project of the same technology or sector."""

    technology: SectorRef = Field(description="Its technology")
