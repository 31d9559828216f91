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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from app import models as m
from app.countries import country_rows
from app.units import UnitError, conversion_for

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
    # CSV files per table, streamed by iter_rows, and their row counts (for progress).
    csv_files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    csv_rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.tables.values()) + sum(self.csv_rows.values())


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".csv") and p.is_file()
            )
        else:
            yield path


def read_dataset(paths: Iterable[str | Path]) -> RawDataset:
    """Read YAML files into rows per table; CSV files are only checked here and streamed later.

    Bulk CSV tables (a million metrics) are never held in memory whole: `iter_rows` reads them
    row by row while the load validates and writes in chunks. Syntax problems are collected.
    """
    dataset = RawDataset()
    for path in iter_files(Path(p) for p in paths):
        name = str(path)
        if not path.exists():
            dataset.problems.append(Problem(name, "-", "-", "no such file or directory"))
            continue
        if path.suffix == ".csv":
            _read_csv(dataset, name, path)
            continue
        raw = path.read_bytes()
        dataset.files.append({"path": name, "sha256": hashlib.sha256(raw).hexdigest()})
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            dataset.problems.append(Problem(name, "-", "-", f"not UTF-8: {exc}"))
            continue
        _read_yaml(dataset, name, content)
    return dataset


def _read_csv(dataset: RawDataset, name: str, path: Path) -> None:
    """Hash and count the file in blocks; its rows are read later by `iter_rows`."""
    table = path.stem
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
    dataset.files.append({"path": name, "sha256": digest.hexdigest()})
    if table not in INPUT_MODELS:
        dataset.problems.append(
            Problem(
                name, "-", "-", f"unknown table {table!r}; expected one of {sorted(INPUT_MODELS)}"
            )
        )
        return
    dataset.csv_files[table].append(name)
    dataset.csv_rows[table] += max(0, lines - 1)


def iter_rows(dataset: RawDataset, table: str) -> Iterator[RawRow]:
    """Rows of `table`: those read from YAML, then each CSV file's, streamed."""
    yield from dataset.tables.get(table, [])
    for name in dataset.csv_files.get(table, []):
        try:
            with open(name, encoding="utf-8", newline="") as handle:
                yield from _csv_rows(dataset, name, handle)
        except UnicodeDecodeError as exc:
            dataset.problems.append(Problem(name, "-", "-", f"not UTF-8: {exc}"))


def _csv_rows(dataset: RawDataset, name: str, handle: Iterable[str]) -> Iterator[RawRow]:
    """Rows as csv.DictReader gives them (blank lines skipped, short rows padded with None,
    empty cells None), from the plain csv.reader: a bulk load reads a million of them."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    width = len(header)
    line_no = 1
    for cells in reader:
        if not cells:
            continue
        line_no += 1
        if len(cells) > width:
            dataset.problems.append(Problem(name, f"row {line_no}", "-", "more cells than columns"))
            continue
        data = {k: v or None for k, v in zip(header, cells, strict=False)}
        for k in header[len(cells) :]:
            data[k] = None
        yield RawRow(name, f"row {line_no}", data)


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


def _existing_keys(conn: Connection, table: Table, column: str) -> set[str]:
    return {row[0] for row in conn.execute(select(table.c[column]))}


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


# The key set each table defines (what other tables reference it as).
KEY_TARGETS = {table: target for target, (table, _db, _col) in KEY_SOURCES.items()}
# Tables written in one piece (sectors reference each other).
SMALL_TABLES = {"sectors"}


def _metric_problems(row: ValidRow) -> Iterator[Problem]:
    metric: MetricIn = row.value
    try:
        conversion_for(metric.kind, metric.unit, metric.period)
    except UnitError as exc:
        yield Problem(row.file, row.record, "unit", str(exc))
    if metric.value_high is not None and metric.value_high < metric.value:
        yield Problem(row.file, row.record, "value_high", "is below value")
    if metric.period_start and metric.period_end and metric.period_end < metric.period_start:
        yield Problem(row.file, row.record, "period_end", "is before period_start")


def _factor_problems(row: ValidRow) -> Iterator[Problem]:
    factor: FactorIn = row.value
    try:
        conversion_for(m.MetricKind.emission_intensity, factor.unit)
    except UnitError as exc:
        yield Problem(row.file, row.record, "unit", str(exc))
    if factor.low is not None and factor.high is not None and factor.high < factor.low:
        yield Problem(row.file, row.record, "high", "is below low")


def _project_problems(row: ValidRow) -> Iterator[Problem]:
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


ROW_CHECKS: dict[str, Callable[[ValidRow], Iterator[Problem]]] = {
    "metrics": _metric_problems,
    "reference_factors": _factor_problems,
    "projects": _project_problems,
}


# ---------------------------------------------------------------- applying


def _e(value: Any) -> Any:
    """An enum as its stored value (psycopg would dump an Enum by name)."""
    return None if value is None else value.value


@dataclass(frozen=True)
class TableSpec:
    """How validated rows of one input table become rows of one database table.

    `build` turns an input model into a plain tuple in `columns` order, so chunks go to the
    driver's executemany without per-row dicts or SQLAlchemy parameter processing."""

    table: Table
    columns: tuple[str, ...]
    build: Callable[[Any], tuple[Any, ...]]
    upsert: bool = True  # entities are upserted by key; child rows are replaced, then inserted


def _statement_sql(conn: Connection, table: Table, columns: Sequence[str], upsert: bool) -> str:
    """INSERT (… ON CONFLICT DO UPDATE) with positional placeholders of the driver."""
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    if not upsert:
        return sql
    keys = [c.name for c in table.primary_key.columns]
    others = [c for c in columns if c not in keys]
    action = (
        "UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in others)
        if others
        else "NOTHING"
    )
    return f"{sql} ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO {action}"


def _execute_many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start : start + CHUNK])


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows given as dicts, updating existing ones by primary key."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql = _statement_sql(conn, table, columns, upsert=True)
    _execute_many(conn, sql, [tuple(row[c] for c in columns) for row in rows])


def _t(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _search_text(p: ProjectIn) -> str:
    return " ".join(part.lower() for part in (p.name, p.local_name, p.slug, p.summary) if part)


PROJECT_COLUMNS = (
    "slug", "name", "local_name", "kind", "technology_slug", "sector_slug", "status",
    "capacity_value", "capacity_unit", "capacity_note", "opened_on", "construction_started_on",
    "cost_usd", "cost_note", "latitude", "longitude", "location_precision", "location_name",
    "location_source_slug", "geometry_geojson", "summary", "facts_note", "search_text",
    "claimed_tco2_per_year",
)  # fmt: skip


def _project_builder(parent_of: dict[str, str | None]) -> Callable[[Any], tuple[Any, ...]]:
    def build(p: ProjectIn) -> tuple[Any, ...]:
        return (
            p.slug, p.name, p.local_name, p.kind.value, p.technology,
            parent_of.get(p.technology) or p.technology, _e(p.status),
            p.capacity_value, p.capacity_unit, p.capacity_note, p.opened_on,
            p.construction_started_on, p.cost_usd, p.cost_note, p.latitude, p.longitude,
            _e(p.location_precision), p.location_name, p.location_source, p.geometry_geojson,
            p.summary, p.facts_note, _search_text(p), None,
        )  # fmt: skip

    return build


METRIC_COLUMNS = (
    "slug", "project_slug", "kind", "value", "value_high", "qualifier", "unit",
    "canonical_value", "canonical_value_high", "canonical_unit", "period", "period_start",
    "period_end", "year", "baseline", "scope", "basis", "source_slug", "statement_slug",
    "claimant", "stated_on", "uncertain", "note",
)  # fmt: skip


def _metric_tuple(r: MetricIn) -> tuple[Any, ...]:
    conversion = conversion_for(r.kind, r.unit, r.period)  # cached; validated before
    factor = conversion.factor
    return (
        r.slug, r.project, r.kind.value, r.value, r.value_high, r.qualifier.value, r.unit,
        r.value * factor, None if r.value_high is None else r.value_high * factor,
        conversion.label, r.period.value, r.period_start, r.period_end, r.year, r.baseline,
        r.scope.value, r.basis.value, r.source, r.statement, r.claimant, r.stated_on,
        r.uncertain, r.note,
    )  # fmt: skip


TABLE_SPECS: dict[str, TableSpec] = {
    "sectors": TableSpec(
        _t(m.Sector),
        ("slug", "name", "parent_slug", "description", "position"),
        lambda s: (s.slug, s.name, s.parent, s.description, s.position),
    ),
    "sources": TableSpec(
        _t(m.Source),
        (
            "slug",
            "title",
            "publisher",
            "author",
            "url",
            "published_on",
            "date_note",
            "language",
            "kind",
            "note",
        ),
        lambda s: (
            s.slug,
            s.title,
            s.publisher,
            s.author,
            s.url,
            s.published_on,
            s.date_note,
            s.language,
            s.kind.value,
            s.note,
        ),
    ),  # fmt: skip
    "organizations": TableSpec(
        _t(m.Organization),
        ("slug", "name", "local_name", "kind", "country_iso3", "note"),
        lambda o: (o.slug, o.name, o.local_name, o.kind.value, o.country, o.note),
    ),
    "people": TableSpec(
        _t(m.Person),
        ("slug", "name", "title", "organization_slug"),
        lambda p: (p.slug, p.name, p.title, p.organization),
    ),
    "reference_factors": TableSpec(
        _t(m.ReferenceFactor),
        (
            "slug",
            "kind",
            "country_iso3",
            "mode",
            "value",
            "low",
            "high",
            "unit",
            "year",
            "source_slug",
            "note",
        ),
        lambda f: (
            f.slug,
            f.kind.value,
            f.country,
            f.mode,
            f.value,
            f.low,
            f.high,
            f.unit,
            f.year,
            f.source,
            f.note,
        ),
    ),  # fmt: skip
    "statements": TableSpec(
        _t(m.Statement),
        (
            "slug",
            "text",
            "form",
            "speaker_slug",
            "speaker_role",
            "organization_slug",
            "said_on",
            "event",
            "source_slug",
            "language",
        ),
        lambda s: (
            s.slug,
            s.text,
            s.form.value,
            s.speaker,
            s.speaker_role,
            s.organization,
            s.said_on,
            s.event,
            s.source,
            s.language,
        ),
    ),  # fmt: skip
    # Projects are built by `_project_builder`, which knows each technology's sector.
    "projects": TableSpec(_t(m.Project), PROJECT_COLUMNS, _project_builder({})),
    "project_countries": TableSpec(
        _t(m.ProjectCountry),
        ("project_slug", "country_iso3"),
        lambda r: (r.project, r.country),
        upsert=False,
    ),
    "project_parties": TableSpec(
        _t(m.ProjectParty),
        ("project_slug", "organization_slug", "role", "note"),
        lambda r: (r.project, r.organization, r.role.value, r.note),
        upsert=False,
    ),
    "project_sources": TableSpec(
        _t(m.ProjectSource),
        ("project_slug", "source_slug"),
        lambda r: (r.project, r.source),
        upsert=False,
    ),
    "statement_projects": TableSpec(
        _t(m.StatementProject),
        ("statement_slug", "project_slug"),
        lambda r: (r.statement, r.project),
        upsert=False,
    ),
    "statement_sectors": TableSpec(
        _t(m.StatementSector),
        ("statement_slug", "sector_slug"),
        lambda r: (r.statement, r.sector),
        upsert=False,
    ),
    "metrics": TableSpec(_t(m.Metric), METRIC_COLUMNS, _metric_tuple, upsert=False),
}
# Column of each child table that names its parent (whose child rows a load replaces).
CHILD_COLUMNS = {
    "project_countries": "project_slug",
    "project_parties": "project_slug",
    "project_sources": "project_slug",
    "statement_projects": "statement_slug",
    "statement_sectors": "statement_slug",
    "metrics": "project_slug",
}


ProgressFactory = Callable[[str, int], Callable[[int], None]]


class _StreamingLoad:
    """Validate and write one table at a time, in chunks, inside the caller's transaction.

    Tables go in INPUT_MODELS order, so every reference points at a table already seen (its
    keys are kept in `known`). Rows are checked one by one; once any problem is found nothing
    more is written, validation carries on to report every problem, and LoadError at the end
    rolls the whole transaction back. Memory holds one chunk and the key sets, not the data.
    """

    def __init__(
        self,
        conn: Connection,
        raw: RawDataset,
        tick: Callable[[int], None],
        progress: ProgressFactory | None = None,
    ):
        self.conn = conn
        self.raw = raw
        self.tick = tick
        self.progress = progress
        self.problems: list[Problem] = []
        self.known: dict[str, set[str]] = {"country": {r["iso3"] for r in country_rows()}}
        self.leaves: set[str] = set()
        self.parent_of: dict[str, str | None] = {}
        self.counts: dict[str, int] = {}
        self.touched: set[str] = set()  # projects whose derived fields need a refresh

    def run(self) -> None:
        for table in INPUT_MODELS:
            self._table(table)
        self.problems[:0] = self.raw.problems  # syntax problems first, as read
        if self.problems:
            raise LoadError(self.problems)
        check_tick = self.progress("Checking claims", len(self.touched)) if self.progress else None
        refresh_derived(self.conn, self.touched, check_tick)
        _bump_version(self.conn, self.raw.files)
        _analyze(self.conn)

    def _table(self, table: str) -> None:
        target = KEY_TARGETS.get(table)
        if target is not None:
            _name, db_table, column = KEY_SOURCES[target]
            self.known[target] = _existing_keys(self.conn, db_table, column)
        if table == "projects":
            self._prepare_projects()
        writer = _ChunkWriter(self, table)
        validate = INPUT_MODELS[table].model_validate
        key_of, row_check = KEYS[table], ROW_CHECKS.get(table)
        references = [(f, t) for tb, f, t in REFERENCES if tb == table and t != target]
        seen: set[Any] = set()
        duplicates: list[ValidRow] = []
        chunk: list[ValidRow] = []
        deferred: list[ValidRow] = []  # self-references (sector parents) wait for the table
        self_reference = target is not None and any(
            tb == table and t == target for tb, _f, t in REFERENCES
        )
        count = pending = 0
        for raw_row in iter_rows(self.raw, table):
            pending += 1
            if pending == 1000:
                self.tick(pending)
                pending = 0
            try:
                row = ValidRow(raw_row.file, raw_row.record, validate(raw_row.data))
            except ValidationError as exc:
                self._validation_problems(raw_row, exc)
                continue
            key = key_of(row.value)
            seen_key = key[0] if len(key) == 1 else key  # a bare slug: 1M tuples fewer in memory
            if seen_key in seen:
                duplicates.append(row)
                continue
            seen.add(seen_key)
            if target is not None:
                self.known[target].add(row.value.slug)
            for field_name, ref_target in references:
                value = getattr(row.value, field_name)
                if value is not None and value not in self.known[ref_target]:
                    self.problems.append(
                        Problem(row.file, row.record, field_name, f"unknown {ref_target} {value!r}")
                    )
            if row_check is not None:
                self.problems.extend(row_check(row))
            if table == "projects":
                self._check_technology(row)
            if self_reference:
                deferred.append(row)
            count += 1
            chunk.append(row)
            if len(chunk) >= CHUNK and table not in SMALL_TABLES:
                writer.write(chunk)
                chunk = []
        self.tick(pending)
        self._self_references(table, deferred)
        writer.write(chunk)
        writer.finish()
        if duplicates:
            self._duplicate_problems(table, duplicates)
        self.counts[table] = count

    def _validation_problems(self, row: RawRow, exc: ValidationError) -> None:
        for error in exc.errors(include_url=False):
            location = ".".join(str(part) for part in error["loc"]) or "-"
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            self.problems.append(Problem(row.file, row.record, location, message))

    def _prepare_projects(self) -> None:
        sector = _t(m.Sector)
        self.parent_of = dict(self.conn.execute(select(sector.c.slug, sector.c.parent_slug)).all())
        self.leaves = {slug for slug, parent in self.parent_of.items() if parent}

    def _check_technology(self, row: ValidRow) -> None:
        technology = row.value.technology
        if technology in self.known["sector"] and technology not in self.leaves:
            self.problems.append(
                Problem(
                    row.file,
                    row.record,
                    "technology",
                    f"{technology!r} is a sector; a project needs a technology within it",
                )
            )

    def _self_references(self, table: str, rows: list[ValidRow]) -> None:
        for tb, field_name, target in REFERENCES:
            if tb != table or KEY_TARGETS.get(table) != target:
                continue
            for row in rows:
                value = getattr(row.value, field_name)
                if value is not None and value not in self.known[target]:
                    self.problems.append(
                        Problem(row.file, row.record, field_name, f"unknown {target} {value!r}")
                    )

    def _duplicate_problems(self, table: str, duplicates: list[ValidRow]) -> None:
        """Name where each duplicated key first appeared (a second pass, only when needed)."""
        key_of = KEYS[table]
        wanted = {key_of(row.value) for row in duplicates}
        first: dict[tuple[Any, ...], RawRow] = {}
        validate = INPUT_MODELS[table].model_validate
        for raw_row in iter_rows(self.raw, table):
            try:
                key = key_of(validate(raw_row.data))
            except ValidationError:
                continue
            if key in wanted and key not in first:
                first[key] = raw_row
        for row in duplicates:
            key = key_of(row.value)
            origin = first.get(key)
            where = f" (first in {origin.file}: {origin.record})" if origin else ""
            self.problems.append(
                Problem(
                    row.file,
                    row.record,
                    "slug" if len(key) == 1 else "-",
                    f"duplicate {table[:-1].replace('_', ' ')} {'/'.join(map(str, key))!r}" + where,
                )
            )


class _ChunkWriter:
    """Writes validated chunks of one table while the load has no problems."""

    def __init__(self, load: _StreamingLoad, table: str):
        self.load = load
        self.conn = load.conn
        self.table_name = table
        self.spec = TABLE_SPECS[table]
        self.build = _project_builder(load.parent_of) if table == "projects" else self.spec.build
        self.sql = _statement_sql(self.conn, self.spec.table, self.spec.columns, self.spec.upsert)
        self.parent_column = CHILD_COLUMNS.get(table)
        self.cleared: set[str] = set()
        self.empty = False
        if self.parent_column is not None:
            self.empty = self.conn.execute(select(self.spec.table).limit(1)).first() is None
            raw = load.raw
            complete = (
                raw.complete_projects
                if CHILD_TABLES[table] == "project"
                else raw.complete_statements
            )
            self._clear(set(complete))

    def write(self, chunk: list[ValidRow]) -> None:
        if not chunk or self.load.problems or self.load.raw.problems:
            return
        values = [row.value for row in chunk]
        if self.table_name == "sectors":  # parents first, so the self-reference holds
            values.sort(key=lambda s: s.parent is not None)
        if self.parent_column is not None:
            self._clear({getattr(v, CHILD_TABLES[self.table_name]) for v in values})
        build = self.build
        _execute_many(self.conn, self.sql, [build(v) for v in values])
        if self.table_name == "projects":
            self.load.touched.update(v.slug for v in values)
        elif self.table_name == "metrics":
            self.load.touched.update(v.project for v in values)

    def _clear(self, parents: set[str]) -> None:
        """Child rows of every parent in the load are replaced, never merged with stale ones."""
        new = parents - self.cleared
        if not new or self.parent_column is None:
            return
        self.cleared |= new
        if self.empty or self.load.problems:
            return
        if self.table_name == "metrics":
            _delete_in(self.conn, _t(m.ClaimCheck), "project_slug", new)
        _delete_in(self.conn, self.spec.table, self.parent_column, new)

    def finish(self) -> None:
        return None


def _delete_in(conn: Connection, table: Table, column: str, keys: set[str]) -> None:
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        conn.execute(delete(table).where(table.c[column].in_(ordered[start : start + 500])))


def refresh_derived(
    conn: Connection, project_slugs: set[str], tick: Callable[[int], None] | None = None
) -> None:
    """Recompute per-project summaries and claim checks after their metrics changed; `tick`
    advances a progress bar by the projects checked."""
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
    refresh_claim_checks(conn, project_slugs, tick)


def _lock_for_load(conn: Connection) -> None:
    """Serialise loads: PostgreSQL advisory lock; on SQLite the first write takes the lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))
    state = _t(m.DatasetState)
    if conn.execute(select(state.c.id)).first() is None:
        conn.execute(state.insert().values(singleton=1, version=0))
    conn.execute(update(state).values(version=state.c.version))


def _analyze(conn: Connection) -> None:
    """Refresh planner statistics, so filters pick the composite indexes after a bulk load."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")  # sampled: milliseconds, not seconds
    conn.exec_driver_sql("ANALYZE")


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


def load_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    progress: ProgressFactory | None = None,
) -> LoadSummary:
    """Read, validate and apply `paths` in one transaction; raise LoadError on any problem.

    Validation and writing stream table by table in chunks, so memory stays flat for a
    million-row CSV; a problem anywhere rolls the whole transaction back.
    """
    raw = read_dataset(paths)
    tick = progress("Loading", raw.row_count()) if progress else (lambda _n: None)
    with engine.begin() as conn:
        _lock_for_load(conn)
        _upsert(conn, _t(m.Country), country_rows())
        load = _StreamingLoad(conn, raw, tick, progress)
        load.run()
    counts = {table: load.counts.get(table, 0) for table in INPUT_MODELS}
    return LoadSummary(counts=counts, files=len(raw.files))


def dataset_version(conn: Connection) -> int:
    state = _t(m.DatasetState)
    return conn.execute(select(state.c.version)).scalar() or 0
