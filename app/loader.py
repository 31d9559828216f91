"""Dataset loading: read YAML/CSV, validate everything, then apply it in one transaction.

The flow is read -> validate -> apply. Reading turns every file into rows of named tables
(YAML projects are flattened into the same rows a CSV data package has). Validation checks
types, enums, units, references and uniqueness and collects every problem before anything is
written. Applying upserts by slug inside a single transaction, so a rejected or interrupted
load leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from app import models as m
from app.countries import country_rows
from app.units import UnitError, conversion_for, to_canonical

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
}
CHILD_TABLES = {
    "project_countries": "project",
    "project_parties": "project",
    "project_sources": "project",
    "metrics": "project",
    "statement_projects": "statement",
    "statement_sectors": "statement",
}


# ---------------------------------------------------------------- reading


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so validation reports a bad date by field."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class RawRow:
    file: str
    record: str
    data: dict[str, Any]


@dataclass
class RawDataset:
    tables: dict[str, list[RawRow]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)
    # Projects and statements given whole (YAML): their child rows are replaced entirely.
    complete_projects: set[str] = field(default_factory=set)
    complete_statements: set[str] = field(default_factory=set)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".csv") and p.is_file()
            )
        else:
            yield path


def read_dataset(paths: Iterable[str | Path]) -> RawDataset:
    """Read every file into rows per table; syntax problems are collected, not raised."""
    dataset = RawDataset()
    for path in iter_files(Path(p) for p in paths):
        name = str(path)
        if not path.exists():
            dataset.problems.append(Problem(name, "-", "-", "no such file or directory"))
            continue
        raw = path.read_bytes()
        dataset.files.append({"path": name, "sha256": hashlib.sha256(raw).hexdigest()})
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            dataset.problems.append(Problem(name, "-", "-", f"not UTF-8: {exc}"))
            continue
        if path.suffix == ".csv":
            _read_csv(dataset, name, path.stem, content)
        else:
            _read_yaml(dataset, name, content)
    return dataset


def _read_csv(dataset: RawDataset, name: str, table: str, content: str) -> None:
    if table not in INPUT_MODELS:
        dataset.problems.append(
            Problem(
                name, "-", "-", f"unknown table {table!r}; expected one of {sorted(INPUT_MODELS)}"
            )
        )
        return
    reader = csv.DictReader(content.splitlines())
    rows = dataset.tables[table]
    for line_no, row in enumerate(reader, start=2):
        if None in row:
            dataset.problems.append(Problem(name, f"row {line_no}", "-", "more cells than columns"))
            continue
        data = {k: (v if v != "" else None) for k, v in row.items()}
        rows.append(RawRow(name, f"row {line_no}", data))


def _read_yaml(dataset: RawDataset, name: str, content: str) -> None:
    try:
        document = yaml.load(content, Loader=_YamlLoader)  # noqa: S506 (safe loader)
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        dataset.problems.append(Problem(name, where, "-", f"malformed YAML: {exc}"))
        return
    if document is None:
        return
    if not isinstance(document, dict):
        dataset.problems.append(Problem(name, "-", "-", "expected a mapping at the top level"))
        return
    if "slug" in document and "name" in document:
        _flatten_project(dataset, name, document)
        return
    for key, records in document.items():
        if key not in INPUT_MODELS or key in CHILD_TABLES:
            dataset.problems.append(Problem(name, "-", key, f"unknown record type {key!r}"))
            continue
        if not isinstance(records, list):
            dataset.problems.append(Problem(name, "-", key, "expected a list of records"))
            continue
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                dataset.problems.append(Problem(name, f"{key}[{index}]", "-", "expected a mapping"))
                continue
            label = str(record.get("slug", f"{key}[{index}]"))
            if key == "projects":
                _flatten_project(dataset, name, record)
            elif key == "statements":
                _flatten_statement(dataset, name, label, dict(record))
            else:
                dataset.tables[key].append(RawRow(name, label, record))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _flatten_project(dataset: RawDataset, name: str, record: dict[str, Any]) -> None:
    data = dict(record)
    slug = str(data.get("slug"))
    label = slug
    dataset.complete_projects.add(slug)
    capacity = data.pop("capacity", None)
    if isinstance(capacity, dict):
        data["capacity_value"] = capacity.get("value")
        data["capacity_unit"] = capacity.get("unit")
        data["capacity_note"] = capacity.get("note")
    elif capacity is not None:
        dataset.problems.append(Problem(name, label, "capacity", "expected {value, unit, note}"))
    location = data.pop("location", None)
    if isinstance(location, dict):
        data["latitude"] = location.get("latitude")
        data["longitude"] = location.get("longitude")
        data["location_precision"] = location.get("precision")
        data["location_name"] = location.get("name")
        data["location_source"] = location.get("source")
        if location.get("geojson") is not None:
            data["geometry_geojson"] = json.dumps(location["geojson"])
    for country in _as_list(data.pop("countries", None)):
        dataset.tables["project_countries"].append(
            RawRow(name, label, {"project": slug, "country": country})
        )
    for party in _as_list(data.pop("parties", None)):
        row = dict(party) if isinstance(party, dict) else {"organization": party}
        dataset.tables["project_parties"].append(RawRow(name, label, {"project": slug, **row}))
    for source in _as_list(data.pop("sources", None)):
        dataset.tables["project_sources"].append(
            RawRow(name, label, {"project": slug, "source": source})
        )
    for index, metric in enumerate(_as_list(data.pop("metrics", None))):
        if not isinstance(metric, dict):
            dataset.problems.append(Problem(name, label, f"metrics[{index}]", "expected a mapping"))
            continue
        row = dict(metric)
        local_id = row.pop("id", None)
        if not local_id or not SLUG_RE.match(str(local_id)):
            dataset.problems.append(
                Problem(name, label, f"metrics[{index}].id", "every metric needs an id (a slug)")
            )
            continue
        row["slug"] = f"{slug}/{local_id}"
        row["project"] = slug
        dataset.tables["metrics"].append(RawRow(name, f"{label} metric {local_id}", row))
    dataset.tables["projects"].append(RawRow(name, label, data))


def _flatten_statement(dataset: RawDataset, name: str, label: str, data: dict[str, Any]) -> None:
    dataset.complete_statements.add(label)
    for project in _as_list(data.pop("projects", None)):
        dataset.tables["statement_projects"].append(
            RawRow(name, label, {"statement": label, "project": project})
        )
    for sector in _as_list(data.pop("sectors", None)):
        dataset.tables["statement_sectors"].append(
            RawRow(name, label, {"statement": label, "sector": sector})
        )
    dataset.tables["statements"].append(RawRow(name, label, data))


# ---------------------------------------------------------------- validation


@dataclass
class ValidRow:
    file: str
    record: str
    value: Any


@dataclass
class ValidDataset:
    tables: dict[str, list[ValidRow]]
    complete_projects: set[str]
    complete_statements: set[str]
    files: list[dict[str, str]]

    def count(self, table: str) -> int:
        return len(self.tables.get(table, []))


def _existing_keys(conn: Connection | None, table: Table, column: str) -> set[str]:
    if conn is None:
        return set()
    return {row[0] for row in conn.execute(select(table.c[column]))}


def validate_dataset(
    raw: RawDataset,
    conn: Connection | None = None,
    progress: Callable[[int], None] | None = None,
) -> ValidDataset:
    """Check every row and every reference; raise LoadError listing all problems."""
    problems = list(raw.problems)
    tables: dict[str, list[ValidRow]] = {}
    for table, model in INPUT_MODELS.items():
        valid: list[ValidRow] = []
        validate = model.model_validate
        for row in raw.tables.get(table, []):
            try:
                valid.append(ValidRow(row.file, row.record, validate(row.data)))
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    location = ".".join(str(part) for part in error["loc"]) or "-"
                    message = error["msg"]
                    if error["type"] == "extra_forbidden":
                        message = "unknown field"
                    problems.append(Problem(row.file, row.record, location, message))
            if progress is not None:
                progress(1)
        tables[table] = valid
    problems.extend(_check_unique(tables))
    problems.extend(_check_references(tables, conn))
    problems.extend(_check_metric_units(tables))
    problems.extend(_check_project_rules(tables))
    if problems:
        raise LoadError(problems)
    return ValidDataset(tables, raw.complete_projects, raw.complete_statements, raw.files)


KEYS: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "sectors": lambda r: (r.slug,),
    "sources": lambda r: (r.slug,),
    "organizations": lambda r: (r.slug,),
    "people": lambda r: (r.slug,),
    "reference_factors": lambda r: (r.slug,),
    "projects": lambda r: (r.slug,),
    "project_countries": lambda r: (r.project, r.country),
    "project_parties": lambda r: (r.project, r.organization, r.role),
    "project_sources": lambda r: (r.project, r.source),
    "statements": lambda r: (r.slug,),
    "statement_projects": lambda r: (r.statement, r.project),
    "statement_sectors": lambda r: (r.statement, r.sector),
    "metrics": lambda r: (r.slug,),
}


def _check_unique(tables: dict[str, list[ValidRow]]) -> Iterator[Problem]:
    for table, rows in tables.items():
        seen: dict[tuple[Any, ...], ValidRow] = {}
        key_of = KEYS[table]
        for row in rows:
            key = key_of(row.value)
            if key in seen:
                first = seen[key]
                yield Problem(
                    row.file,
                    row.record,
                    "slug" if len(key) == 1 else "-",
                    f"duplicate {table[:-1].replace('_', ' ')} {'/'.join(map(str, key))!r} "
                    f"(first in {first.file}: {first.record})",
                )
            else:
                seen[key] = row


# (table, field, referenced table, referenced column, target set name)
REFERENCES: list[tuple[str, str, str]] = [
    ("sectors", "parent", "sector"),
    ("organizations", "country", "country"),
    ("people", "organization", "organization"),
    ("reference_factors", "country", "country"),
    ("reference_factors", "source", "source"),
    ("projects", "technology", "sector"),
    ("projects", "location_source", "source"),
    ("project_countries", "project", "project"),
    ("project_countries", "country", "country"),
    ("project_parties", "project", "project"),
    ("project_parties", "organization", "organization"),
    ("project_sources", "project", "project"),
    ("project_sources", "source", "source"),
    ("statements", "speaker", "person"),
    ("statements", "organization", "organization"),
    ("statements", "source", "source"),
    ("statement_projects", "statement", "statement"),
    ("statement_projects", "project", "project"),
    ("statement_sectors", "statement", "statement"),
    ("statement_sectors", "sector", "sector"),
    ("metrics", "project", "project"),
    ("metrics", "source", "source"),
    ("metrics", "statement", "statement"),
]
KEY_SOURCES: dict[str, tuple[str, Table, str]] = {
    "sector": ("sectors", m.Sector.__table__, "slug"),  # type: ignore[attr-defined]
    "source": ("sources", m.Source.__table__, "slug"),  # type: ignore[attr-defined]
    "organization": ("organizations", m.Organization.__table__, "slug"),  # type: ignore[attr-defined]
    "person": ("people", m.Person.__table__, "slug"),  # type: ignore[attr-defined]
    "project": ("projects", m.Project.__table__, "slug"),  # type: ignore[attr-defined]
    "statement": ("statements", m.Statement.__table__, "slug"),  # type: ignore[attr-defined]
}


def _check_references(
    tables: dict[str, list[ValidRow]], conn: Connection | None
) -> Iterator[Problem]:
    known: dict[str, set[str]] = {"country": {row["iso3"] for row in country_rows()}}
    for target, (table, db_table, column) in KEY_SOURCES.items():
        known[target] = {row.value.slug for row in tables.get(table, [])}
        known[target] |= _existing_keys(conn, db_table, column)
    for table, field_name, target in REFERENCES:
        for row in tables.get(table, []):
            value = getattr(row.value, field_name)
            if value is not None and value not in known[target]:
                yield Problem(row.file, row.record, field_name, f"unknown {target} {value!r}")
    leaves = _technology_slugs(tables, conn)
    for row in tables.get("projects", []):
        technology = row.value.technology
        if technology in known["sector"] and technology not in leaves:
            yield Problem(
                row.file,
                row.record,
                "technology",
                f"{technology!r} is a sector; a project needs a technology within it",
            )


def _technology_slugs(tables: dict[str, list[ValidRow]], conn: Connection | None) -> set[str]:
    leaves = {row.value.slug for row in tables.get("sectors", []) if row.value.parent}
    if conn is not None:
        sector = m.Sector.__table__  # type: ignore[attr-defined]
        leaves |= {
            r[0]
            for r in conn.execute(select(sector.c.slug).where(sector.c.parent_slug.isnot(None)))
        }
    return leaves


def _check_metric_units(tables: dict[str, list[ValidRow]]) -> Iterator[Problem]:
    for row in tables.get("metrics", []):
        metric: MetricIn = row.value
        try:
            conversion_for(metric.kind, metric.unit, metric.period)
        except UnitError as exc:
            yield Problem(row.file, row.record, "unit", str(exc))
        if metric.value_high is not None and metric.value_high < metric.value:
            yield Problem(row.file, row.record, "value_high", "is below value")
        if metric.period_start and metric.period_end and metric.period_end < metric.period_start:
            yield Problem(row.file, row.record, "period_end", "is before period_start")
    for row in tables.get("reference_factors", []):
        factor: FactorIn = row.value
        kind = m.MetricKind.emission_intensity
        try:
            conversion_for(kind, factor.unit)
        except UnitError as exc:
            yield Problem(row.file, row.record, "unit", str(exc))
        if factor.low is not None and factor.high is not None and factor.high < factor.low:
            yield Problem(row.file, row.record, "high", "is below low")


def _check_project_rules(tables: dict[str, list[ValidRow]]) -> Iterator[Problem]:
    for row in tables.get("projects", []):
        project: ProjectIn = row.value
        if (project.latitude is None) != (project.longitude is None):
            yield Problem(row.file, row.record, "location", "latitude and longitude go together")
        if project.latitude is not None and project.location_precision is None:
            yield Problem(row.file, row.record, "location.precision", "say exact or approximate")
        if project.capacity_value is not None and not project.capacity_unit:
            yield Problem(row.file, row.record, "capacity.unit", "a capacity needs a unit")
        if project.geometry_geojson:
            try:
                json.loads(project.geometry_geojson)
            except ValueError:
                yield Problem(row.file, row.record, "location.geojson", "not valid JSON")


# ---------------------------------------------------------------- applying


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, updating existing ones by primary key, in chunks."""
    if not rows:
        return
    keys = [c.name for c in table.primary_key.columns]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        statement = _insert(conn, table)
        columns = [c for c in chunk[0] if c not in keys]
        if columns:
            statement = statement.on_conflict_do_update(
                index_elements=keys, set_={c: statement.excluded[c] for c in columns}
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=keys)
        conn.execute(statement, chunk)


def _t(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _source_row(s: SourceIn) -> dict[str, Any]:
    return s.model_dump()


def _project_row(p: ProjectIn, parent_of: dict[str, str | None]) -> dict[str, Any]:
    data = p.model_dump(exclude={"technology", "location_source"})
    data["technology_slug"] = p.technology
    data["sector_slug"] = parent_of.get(p.technology) or p.technology
    data["location_source_slug"] = p.location_source
    data["search_text"] = " ".join(
        part.lower() for part in (p.name, p.local_name, p.slug, p.summary) if part
    )
    data["claimed_tco2_per_year"] = None
    return data


def _metric_row(metric: MetricIn) -> dict[str, Any]:
    conversion = conversion_for(metric.kind, metric.unit, metric.period)
    data = metric.model_dump(exclude={"project", "source", "statement"})
    data.update(
        project_slug=metric.project,
        source_slug=metric.source,
        statement_slug=metric.statement,
        canonical_value=to_canonical(metric.value, conversion),
        canonical_value_high=to_canonical(metric.value_high, conversion),
        canonical_unit=conversion.label,
    )
    return data


def apply_dataset(
    conn: Connection, data: ValidDataset, progress: Callable[[int], None] | None = None
) -> None:
    """Write a validated dataset; the caller owns the transaction."""
    tick = progress or (lambda _n: None)
    _lock_for_load(conn)
    _upsert(conn, _t(m.Country), country_rows())
    rows = data.tables
    sectors = [r.value for r in rows["sectors"]]
    # Parents first, so the self-reference holds at every step.
    sectors.sort(key=lambda s: s.parent is not None)
    _upsert(
        conn,
        _t(m.Sector),
        [
            {
                "slug": s.slug,
                "name": s.name,
                "parent_slug": s.parent,
                "description": s.description,
                "position": s.position,
            }
            for s in sectors
        ],
    )
    _upsert(conn, _t(m.Source), [_source_row(r.value) for r in rows["sources"]])
    _upsert(
        conn,
        _t(m.Organization),
        [
            {**r.value.model_dump(exclude={"country"}), "country_iso3": r.value.country}
            for r in rows["organizations"]
        ],
    )
    _upsert(
        conn,
        _t(m.Person),
        [
            {
                **r.value.model_dump(exclude={"organization"}),
                "organization_slug": r.value.organization,
            }
            for r in rows["people"]
        ],
    )
    _upsert(
        conn,
        _t(m.ReferenceFactor),
        [
            {
                **r.value.model_dump(exclude={"country", "source"}),
                "country_iso3": r.value.country,
                "source_slug": r.value.source,
            }
            for r in rows["reference_factors"]
        ],
    )
    parent_of = dict(conn.execute(select(_t(m.Sector).c.slug, _t(m.Sector).c.parent_slug)).all())
    project_rows = [_project_row(r.value, parent_of) for r in rows["projects"]]
    _upsert(conn, _t(m.Project), project_rows)
    tick(len(project_rows))
    _upsert(
        conn,
        _t(m.Statement),
        [
            {
                **r.value.model_dump(exclude={"speaker", "organization", "source"}),
                "speaker_slug": r.value.speaker,
                "organization_slug": r.value.organization,
                "source_slug": r.value.source,
            }
            for r in rows["statements"]
        ],
    )
    _replace_children(conn, data)
    tick(sum(len(rows[t]) for t in CHILD_TABLES))
    touched = {r.value.slug for r in rows["projects"]} | {r.value.project for r in rows["metrics"]}
    refresh_derived(conn, touched)
    _bump_version(conn, data.files)


CHILD_SPECS: dict[str, tuple[type[Any], str, Callable[[Any], dict[str, Any]]]] = {
    "project_countries": (
        m.ProjectCountry,
        "project_slug",
        lambda r: {"project_slug": r.project, "country_iso3": r.country},
    ),
    "project_parties": (
        m.ProjectParty,
        "project_slug",
        lambda r: {
            "project_slug": r.project,
            "organization_slug": r.organization,
            "role": r.role,
            "note": r.note,
        },
    ),
    "project_sources": (
        m.ProjectSource,
        "project_slug",
        lambda r: {"project_slug": r.project, "source_slug": r.source},
    ),
    "statement_projects": (
        m.StatementProject,
        "statement_slug",
        lambda r: {"statement_slug": r.statement, "project_slug": r.project},
    ),
    "statement_sectors": (
        m.StatementSector,
        "statement_slug",
        lambda r: {"statement_slug": r.statement, "sector_slug": r.sector},
    ),
    "metrics": (m.Metric, "project_slug", _metric_row),
}


def _replace_children(conn: Connection, data: ValidDataset) -> None:
    """Child rows of every parent in the load are replaced, never merged with stale ones."""
    for table_name, (model, parent_column, to_row) in CHILD_SPECS.items():
        parent_field = CHILD_TABLES[table_name]
        rows = data.tables.get(table_name, [])
        complete = data.complete_projects if parent_field == "project" else data.complete_statements
        parents = complete | {getattr(r.value, parent_field) for r in rows}
        table = _t(model)
        if table_name == "metrics":
            _delete_in(conn, _t(m.ClaimCheck), "project_slug", parents)
        _delete_in(conn, table, parent_column, parents)
        new_rows = [to_row(r.value) for r in rows]
        for start in range(0, len(new_rows), CHUNK):
            conn.execute(_insert(conn, table), new_rows[start : start + CHUNK])


def _delete_in(conn: Connection, table: Table, column: str, keys: set[str]) -> None:
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        conn.execute(delete(table).where(table.c[column].in_(ordered[start : start + 500])))


def refresh_derived(conn: Connection, project_slugs: set[str]) -> None:
    """Recompute per-project summaries and claim checks after their metrics changed."""
    from app.claims import refresh_claim_checks

    metric = _t(m.Metric)
    project = _t(m.Project)
    # The largest annual CO2 claim per project: used to sort the catalogue, shown as "up to".
    largest = (
        select(func.max(metric.c.canonical_value))
        .where(metric.c.project_slug == project.c.slug)
        .where(metric.c.kind == m.MetricKind.emissions_avoided.value)
        .where(metric.c.period == m.Period.annual.value)
        .scalar_subquery()
    )
    slugs = sorted(project_slugs)
    for start in range(0, len(slugs), 500):
        conn.execute(
            update(project)
            .where(project.c.slug.in_(slugs[start : start + 500]))
            .values(claimed_tco2_per_year=largest)
        )
    refresh_claim_checks(conn, project_slugs)


def _lock_for_load(conn: Connection) -> None:
    """Serialise loads: PostgreSQL advisory lock; on SQLite the first write takes the lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))
    state = _t(m.DatasetState)
    if conn.execute(select(state.c.id)).first() is None:
        conn.execute(state.insert().values(singleton=1, version=0))
    conn.execute(update(state).values(version=state.c.version))


def _bump_version(conn: Connection, files: list[dict[str, str]]) -> None:
    state = _t(m.DatasetState)
    conn.execute(
        update(state).values(
            version=state.c.version + 1,
            loaded_at=datetime.now(UTC),
            files_json=json.dumps(files[:1000]),
        )
    )


# ---------------------------------------------------------------- entry point


@dataclass
class LoadSummary:
    counts: dict[str, int]
    files: int


ProgressFactory = Callable[[str, int], Callable[[int], None]]


def load_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    progress: ProgressFactory | None = None,
) -> LoadSummary:
    """Read, validate and apply `paths` in one transaction; raise LoadError on any problem."""
    raw = read_dataset(paths)
    total_rows = sum(len(rows) for rows in raw.tables.values())
    with engine.begin() as conn:
        validate_tick = progress("Validating", total_rows) if progress else None
        data = validate_dataset(raw, conn, validate_tick)
        apply_tick = progress("Writing", total_rows) if progress else None
        apply_dataset(conn, data, apply_tick)
    counts = {table: data.count(table) for table in INPUT_MODELS}
    return LoadSummary(counts=counts, files=len(raw.files))


def dataset_version(conn: Connection) -> int:
    state = _t(m.DatasetState)
    return conn.execute(select(state.c.version)).scalar() or 0
