"""SQLModel tables. Slugs are the natural keys: URLs, the loader and exports all use them."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, MetaData, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def enum_type(enum: type[StrEnum]) -> SAEnum:
    """Store enums as plain strings (no PostgreSQL ENUM types to create and drop)."""
    return SAEnum(
        enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
    )


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
    other = "other"


class OrganizationKind(StrEnum):
    company = "company"
    government = "government"
    lender = "lender"
    ngo = "ngo"
    intergovernmental = "intergovernmental"
    academic = "academic"
    media = "media"
    other = "other"


class SourceKind(StrEnum):
    news = "news"
    company = "company"
    government = "government"
    report = "report"
    academic = "academic"
    reference = "reference"
    dataset = "dataset"


class StatementForm(StrEnum):
    direct_quote = "direct_quote"
    paraphrase = "paraphrase"


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


class FactorKind(StrEnum):
    grid = "grid"
    freight = "freight"
    passenger = "passenger"


class Verdict(StrEnum):
    consistent = "consistent"
    above_range = "above_range"
    below_range = "below_range"
    not_checkable = "not_checkable"


class Country(SQLModel, table=True):
    """ISO 3166-1 country with its UN M49 region and subregion."""

    iso3: str = Field(primary_key=True, max_length=3)
    iso2: str = Field(max_length=2, unique=True)
    numeric: str = Field(max_length=3)
    name: str
    official_name: str | None = None
    region: str | None = Field(default=None, index=True)
    subregion: str | None = Field(default=None, index=True)


class Sector(SQLModel, table=True):
    """Two-level taxonomy: a sector (parent is None) or a technology within it."""

    slug: str = Field(primary_key=True)
    name: str
    parent_slug: str | None = Field(default=None, foreign_key="sector.slug", index=True)
    description: str | None = None
    position: int = 0


class Source(SQLModel, table=True):
    """A document a figure or statement comes from."""

    slug: str = Field(primary_key=True)
    title: str
    publisher: str
    author: str | None = None
    url: str | None = None
    published_on: date | None = None
    date_note: str | None = None
    language: str | None = None
    kind: SourceKind = Field(sa_type=enum_type(SourceKind))
    note: str | None = None


class Organization(SQLModel, table=True):
    slug: str = Field(primary_key=True)
    name: str
    local_name: str | None = None
    kind: OrganizationKind = Field(
        default=OrganizationKind.other, sa_type=enum_type(OrganizationKind)
    )
    country_iso3: str | None = Field(default=None, foreign_key="country.iso3")
    note: str | None = None


class Person(SQLModel, table=True):
    slug: str = Field(primary_key=True)
    name: str
    title: str | None = None
    organization_slug: str | None = Field(default=None, foreign_key="organization.slug")


class Project(SQLModel, table=True):
    """A BRI project, or a domestic showcase cited as a model (kind=reference)."""

    __table_args__ = (
        Index("ix_project_technology_status", "technology_slug", "status"),
        # Catalogue default order within a technology: a page is read in index order.
        Index("ix_project_technology_name", "technology_slug", "name", "slug"),
        Index("ix_project_sector_status", "sector_slug", "status"),
    )

    slug: str = Field(primary_key=True)
    name: str = Field(index=True)
    local_name: str | None = None
    kind: ProjectKind = Field(index=True, sa_type=enum_type(ProjectKind))
    technology_slug: str = Field(foreign_key="sector.slug")
    # Parent of the technology, kept beside it so a sector filter is one indexed lookup.
    sector_slug: str = Field(foreign_key="sector.slug")
    status: ProjectStatus | None = Field(default=None, index=True, sa_type=enum_type(ProjectStatus))
    capacity_value: float | None = None
    capacity_unit: str | None = None
    capacity_note: str | None = None
    opened_on: date | None = Field(default=None, index=True)
    construction_started_on: date | None = None
    cost_usd: float | None = None
    cost_note: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: LocationPrecision | None = Field(
        default=None, sa_type=enum_type(LocationPrecision)
    )
    location_name: str | None = None
    location_source_slug: str | None = Field(default=None, foreign_key="source.slug")
    geometry_geojson: str | None = Field(default=None, sa_column=Column(Text))
    summary: str | None = Field(default=None, sa_column=Column(Text))
    facts_note: str | None = Field(default=None, sa_column=Column(Text))
    # Largest annual CO2 claim in tonnes, set by the loader; the catalogue sorts on it.
    claimed_tco2_per_year: float | None = Field(default=None, index=True)
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


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


class Statement(SQLModel, table=True):
    """Something a person or organisation said, as reported by a source."""

    # Newest first with a slug tie-break, read backwards: a page stops after LIMIT rows.
    __table_args__ = (Index("ix_statement_said_on_slug", "said_on", "slug"),)

    slug: str = Field(primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    form: StatementForm = Field(sa_type=enum_type(StatementForm))
    speaker_slug: str | None = Field(default=None, foreign_key="person.slug", index=True)
    speaker_role: str | None = None
    organization_slug: str | None = Field(default=None, foreign_key="organization.slug", index=True)
    said_on: date | None = None
    event: str | None = None
    source_slug: str = Field(foreign_key="source.slug", index=True)
    language: str | None = None


class StatementProject(SQLModel, table=True):
    __tablename__ = "statement_project"

    statement_slug: str = Field(foreign_key="statement.slug", primary_key=True, ondelete="CASCADE")
    project_slug: str = Field(
        foreign_key="project.slug", primary_key=True, index=True, ondelete="CASCADE"
    )


class StatementSector(SQLModel, table=True):
    __tablename__ = "statement_sector"

    statement_slug: str = Field(foreign_key="statement.slug", primary_key=True, ondelete="CASCADE")
    sector_slug: str = Field(foreign_key="sector.slug", primary_key=True, index=True)


class Metric(SQLModel, table=True):
    """A figure about a project: as stated, in its canonical unit, with basis and source."""

    __table_args__ = (Index("ix_metric_project_kind", "project_slug", "kind"),)

    slug: str = Field(primary_key=True)
    project_slug: str = Field(foreign_key="project.slug", ondelete="CASCADE")
    kind: MetricKind = Field(sa_type=enum_type(MetricKind))
    value: float
    value_high: float | None = None
    qualifier: Qualifier = Field(default=Qualifier.exact, sa_type=enum_type(Qualifier))
    unit: str
    canonical_value: float | None = None
    canonical_value_high: float | None = None
    canonical_unit: str | None = None
    period: Period = Field(default=Period.unspecified, sa_type=enum_type(Period))
    period_start: date | None = None
    period_end: date | None = None
    year: int | None = None
    baseline: str | None = None
    scope: Scope = Field(default=Scope.unspecified, sa_type=enum_type(Scope))
    basis: Basis = Field(sa_type=enum_type(Basis))
    source_slug: str = Field(foreign_key="source.slug", index=True)
    statement_slug: str | None = Field(default=None, foreign_key="statement.slug", index=True)
    claimant: str | None = None
    stated_on: date | None = None
    uncertain: bool = False
    note: str | None = Field(default=None, sa_column=Column(Text))


class ReferenceFactor(SQLModel, table=True):
    """A sourced emission factor used by the plausibility checks."""

    __tablename__ = "reference_factor"

    slug: str = Field(primary_key=True)
    kind: FactorKind = Field(index=True, sa_type=enum_type(FactorKind))
    country_iso3: str | None = Field(default=None, foreign_key="country.iso3")
    mode: str | None = None
    value: float
    low: float | None = None
    high: float | None = None
    unit: str
    year: int | None = None
    source_slug: str = Field(foreign_key="source.slug")
    note: str | None = Field(default=None, sa_column=Column(Text))


class ClaimCheck(SQLModel, table=True):
    """The result of recomputing one emission claim under one reading of its wording."""

    __tablename__ = "claim_check"

    metric_slug: str = Field(foreign_key="metric.slug", primary_key=True, ondelete="CASCADE")
    reading: str = Field(primary_key=True)
    project_slug: str = Field(foreign_key="project.slug", index=True, ondelete="CASCADE")
    check_name: str
    verdict: Verdict = Field(index=True, sa_type=enum_type(Verdict))
    ratio: float | None = None
    expected_low: float | None = None
    expected_high: float | None = None
    expected_unit: str | None = None
    missing: str | None = None
    explanation_json: str = Field(sa_column=Column(Text, nullable=False))


class DatasetState(SQLModel, table=True):
    """A single row whose version changes on every load; caches key on it."""

    __tablename__ = "dataset_state"
    __table_args__ = (UniqueConstraint("singleton"),)

    id: int | None = Field(default=None, primary_key=True)
    singleton: int = 1
    version: int = 0
    loaded_at: datetime | None = None
    files_json: str | None = Field(default=None, sa_column=Column(Text))


class RecordDigest(SQLModel, table=True):
    """A record's content hash after the last load that changed it: "last changed" on pages."""

    __tablename__ = "record_digest"

    kind: str = Field(primary_key=True, max_length=16)  # project or figure
    slug: str = Field(primary_key=True)
    # The project itself, or a figure's project: a load reads the digests of what it touched.
    project_slug: str = Field(index=True)
    digest: str = Field(max_length=32)
    changed_version: int
    changed_at: datetime


class RecordChange(SQLModel, table=True):
    """One record added, changed or removed by one load: the dataset changelog."""

    __tablename__ = "record_change"
    __table_args__ = (Index("ix_record_change_kind_slug", "kind", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(index=True)
    changed_at: datetime
    kind: str = Field(max_length=16)
    slug: str
    change: str = Field(max_length=16)  # added, changed or removed
    name: str
