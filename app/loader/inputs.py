"""What a dataset may contain: the input model of each table (a record's own is declared in its
room, e.g. app/metrics/model.py), and the problems a load reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from app import models as m
from app.financing.model import ExternalIdIn, FinancingIn
from app.metrics.model import MetricIn
from app.organizations.model import OrganizationIn, PersonIn
from app.places.model import SectorIn
from app.projects.model import ProjectIn
from app.records import SLUG_RE as SLUG_RE  # the loader's reader checks slugs with it
from app.records import InputModel, check_slug
from app.sources.model import SourceIn
from app.statements.model import StatementIn

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
    scope: Literal["direct", "well_to_wheel", "lifecycle"] | None = None
    origin: Literal["dataset", "hand-entered"] | None = None
    source: str
    note: str | None = None

    _check_slug = field_validator("slug")(check_slug)


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


class StatementProjectIn(InputModel):
    statement: str
    project: str


class StatementSectorIn(InputModel):
    statement: str
    sector: str


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
