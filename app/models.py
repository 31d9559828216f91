"""Every table of the database, for Alembic and for code that works on all of them (the loader,
the data package). Each record is declared in its room (app/<room>/model.py, see
docs/architecture.md); this module gathers them so `SQLModel.metadata` is complete.

The claim-check tables and the dataset state are declared here until the checks get a room
of their own (issue 13).
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.changelog.model import RecordChange, RecordDigest
from app.financing.model import ExternalId, Financing, FinancingInstrument
from app.metrics.model import Basis, Metric, MetricKind, Period, Qualifier, Scope
from app.organizations.model import Organization, OrganizationKind, Person
from app.places.model import Country, Sector
from app.projects.model import (
    FacetProfile,
    LocationPrecision,
    PartyRole,
    Project,
    ProjectCountry,
    ProjectFacetProfile,
    ProjectKind,
    ProjectParty,
    ProjectSource,
    ProjectStatus,
)
from app.records import enum_type, metadata
from app.sources.model import Source, SourceKind
from app.statements.model import Statement, StatementForm, StatementProject, StatementSector

__all__ = [
    "RecordChange",
    "RecordDigest",
    "Basis",
    "ClaimCheck",
    "Country",
    "DatasetState",
    "ExternalId",
    "FacetProfile",
    "FactorKind",
    "Financing",
    "FinancingInstrument",
    "LocationPrecision",
    "Metric",
    "MetricKind",
    "Organization",
    "OrganizationKind",
    "PartyRole",
    "Period",
    "Person",
    "Project",
    "ProjectClaimSummary",
    "ProjectCountry",
    "ProjectFacetProfile",
    "ProjectKind",
    "ProjectParty",
    "ProjectSource",
    "ProjectStatus",
    "Qualifier",
    "ReferenceFactor",
    "Scope",
    "Sector",
    "Source",
    "SourceKind",
    "Statement",
    "StatementForm",
    "StatementProject",
    "StatementSector",
    "Verdict",
    "enum_type",
    "metadata",
]


class FactorKind(StrEnum):
    grid = "grid"
    freight = "freight"
    passenger = "passenger"


class Verdict(StrEnum):
    consistent = "consistent"
    above_range = "above_range"
    below_range = "below_range"
    not_checkable = "not_checkable"


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
    # direct, well_to_wheel or lifecycle: transport factors are paired like with like.
    scope: str | None = None
    # "dataset" (imported by code from a published file) or "hand-entered" (typed from a
    # table of a publication, with its table reference in the note).
    origin: str | None = None
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


class ProjectClaimSummary(SQLModel, table=True):
    """A project's checked claims as its card shows them: how many, per worst verdict, and the
    main one or two (app/queries/claim_summary.py; rebuilt by every load). Cards read this row
    instead of every claim of the project (issue 11). Projects without a checked claim have no
    row. WITHOUT ROWID on SQLite: one B-tree keyed by slug."""

    __tablename__ = "project_claim_summary"
    __table_args__ = {"sqlite_with_rowid": False}

    project_slug: str = Field(primary_key=True)
    claims: int
    above_range: int
    below_range: int
    consistent: int
    not_checkable: int
    main_slug: str
    second_slug: str | None = None


class DatasetState(SQLModel, table=True):
    """A single row whose version changes on every load; caches key on it."""

    __tablename__ = "dataset_state"
    __table_args__ = (UniqueConstraint("singleton"),)

    id: int | None = Field(default=None, primary_key=True)
    singleton: int = 1
    version: int = 0
    loaded_at: datetime | None = None
    files_json: str | None = Field(default=None, sa_column=Column(Text))
