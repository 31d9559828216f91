"""What a dataset may contain: the input models, one per table, and the problems a load reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app import models as m

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHUNK = 5000

# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field}: {self.message}"


class LoadError(Exception):
    """A dataset was rejected; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the dataset")


# ---------------------------------------------------------------- input models


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(f"{value!r} is not a slug (lower-case a-z, 0-9 and single hyphens)")
    return value


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)


class SourceIn(InputModel):
    slug: str
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    author: str | None = None
    url: str | None = None
    published_on: date | None = None
    date_note: str | None = None
    language: str | None = None
    kind: m.SourceKind
    note: str | None = None

    _check_slug = field_validator("slug")(_slug)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^\s<>\"']+$", value, re.IGNORECASE):
            raise ValueError("only http(s) URLs without spaces or quotes are accepted")
        return value or None


class SectorIn(InputModel):
    slug: str
    name: str
    parent: str | None = None
    description: str | None = None
    position: int = 0

    _check_slug = field_validator("slug")(_slug)


class OrganizationIn(InputModel):
    slug: str
    name: str
    local_name: str | None = None
    kind: m.OrganizationKind = m.OrganizationKind.other
    country: str | None = None
    note: str | None = None

    _check_slug = field_validator("slug")(_slug)


class PersonIn(InputModel):
    slug: str
    name: str
    title: str | None = None
    organization: str | None = None

    _check_slug = field_validator("slug")(_slug)


class FactorIn(InputModel):
    slug: str
    kind: m.FactorKind
    country: str | None = None
    mode: str | None = None
    value: float = Field(ge=0)
    low: float | None = Field(default=None, ge=0)
    high: float | None = Field(default=None, ge=0)
    unit: str
    year: int | None = Field(default=None, ge=1900, le=2100)
    source: str
    note: str | None = None

    _check_slug = field_validator("slug")(_slug)


class ProjectIn(InputModel):
    slug: str
    name: str = Field(min_length=1)
    local_name: str | None = None
    kind: m.ProjectKind = m.ProjectKind.bri
    technology: str
    status: m.ProjectStatus | None = None
    capacity_value: float | None = Field(default=None, ge=0)
    capacity_unit: str | None = None
    capacity_note: str | None = None
    opened_on: date | None = None
    construction_started_on: date | None = None
    cost_usd: float | None = Field(default=None, ge=0)
    cost_note: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    location_precision: m.LocationPrecision | None = None
    location_name: str | None = None
    location_source: str | None = None
    geometry_geojson: str | None = None
    summary: str | None = None
    facts_note: str | None = None
    origin: str | None = Field(default=None, max_length=32)

    _check_slug = field_validator("slug")(_slug)


class ProjectCountryIn(InputModel):
    project: str
    country: str


class ProjectPartyIn(InputModel):
    project: str
    organization: str
    role: m.PartyRole
    note: str | None = None


class ProjectSourceIn(InputModel):
    project: str
    source: str


class MetricIn(InputModel):
    slug: str
    project: str
    kind: m.MetricKind
    value: float = Field(ge=0)
    value_high: float | None = Field(default=None, ge=0)
    qualifier: m.Qualifier = m.Qualifier.exact
    unit: str
    period: m.Period = m.Period.unspecified
    period_start: date | None = None
    period_end: date | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    baseline: str | None = None
    scope: m.Scope = m.Scope.unspecified
    basis: m.Basis
    source: str
    statement: str | None = None
    claimant: str | None = None
    stated_on: date | None = None
    uncertain: bool = False
    note: str | None = None


class StatementIn(InputModel):
    slug: str
    text: str = Field(min_length=1)
    form: m.StatementForm
    speaker: str | None = None
    speaker_role: str | None = None
    organization: str | None = None
    said_on: date | None = None
    event: str | None = None
    source: str
    language: str | None = None

    _check_slug = field_validator("slug")(_slug)


class StatementProjectIn(InputModel):
    statement: str
    project: str


class StatementSectorIn(InputModel):
    statement: str
    sector: str


class FinancingIn(InputModel):
    """One financing commitment (an AidData record, as `bri-tracker import aiddata` writes it)."""

    slug: str
    project: str
    lender: str | None = None
    co_lenders: str | None = None
    amount_usd_2021: float | None = Field(default=None, ge=0)
    amount_wording: str | None = None
    instrument: m.FinancingInstrument = m.FinancingInstrument.unknown
    committed_on: date | None = None
    commitment_year: int | None = Field(default=None, ge=1900, le=2100)
    status: str | None = None
    title: str = Field(min_length=1)
    aiddata_id: int | None = Field(default=None, ge=0)
    source: str

    _check_slug = field_validator("slug")(_slug)


class ExternalIdIn(InputModel):
    """A project's id in another database (aiddata, osm, gem, wikidata, cdm, verra...)."""

    project: str
    system: str = Field(min_length=1, max_length=32)
    value: str = Field(min_length=1, max_length=200)
    url: str | None = None
    source: str | None = None


# Table name in files -> input model. The order is the order of application.
INPUT_MODELS: dict[str, type[InputModel]] = {
    "sectors": SectorIn,
    "sources": SourceIn,
    "organizations": OrganizationIn,
    "people": PersonIn,
    "reference_factors": FactorIn,
    "projects": ProjectIn,
    "project_countries": ProjectCountryIn,
    "project_parties": ProjectPartyIn,
    "project_sources": ProjectSourceIn,
    "statements": StatementIn,
    "statement_projects": StatementProjectIn,
    "statement_sectors": StatementSectorIn,
    "metrics": MetricIn,
    "financing": FinancingIn,
    "external_ids": ExternalIdIn,
}
CHILD_TABLES = {
    "project_countries": "project",
    "project_parties": "project",
    "project_sources": "project",
    "metrics": "project",
    "statement_projects": "statement",
    "statement_sectors": "statement",
}
