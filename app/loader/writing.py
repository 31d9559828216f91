"""Validating rows and writing them, table by table in chunks, inside the caller's transaction."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from operator import attrgetter
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.engine import Connection

from app import models as m
from app.changelog import queries as changelog
from app.checks import ClaimChecker, refresh_claim_checks
from app.countries import country_rows
from app.financing.model import ExternalIdFields, FinancingFields
from app.financing.search import search_text_expression
from app.loader import parallel
from app.loader.inputs import (
    CHILD_TABLES,
    CHUNK,
    INPUT_MODELS,
    FactorIn,
    LoadError,
    MetricIn,
    Problem,
    ProjectIn,
)
from app.loader.keys import KEYS, REFERENCES
from app.loader.reading import RawDataset, RawRow, iter_rows
from app.metrics.model import MetricFields
from app.organizations.model import OrganizationFields, PersonFields
from app.places.model import SectorFields
from app.projects.facets import rebuild_catalogue_summaries
from app.projects.model import Place, ProjectFields
from app.sources.model import SourceFields
from app.statements.model import StatementFields
from app.units import UnitError, conversion_for

# ---------------------------------------------------------------- validation


@dataclass
class ValidRow:
    file: str
    record: str
    value: Any
    built: tuple[Any, ...] | None = None  # the database row, when a parser process built it


# A validated row as it comes out of checking: (file, record, value or None when invalid,
# its database row if already built, its problems).
Checked = tuple[str, str, Any, "tuple[Any, ...] | None", list[Problem]]


def _existing_keys(conn: Connection, table: Table, column: str) -> set[str]:
    return {row[0] for row in conn.execute(select(table.c[column]))}


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
        except RecursionError:  # "[[[[...": a CSV cell may nest tens of thousands deep
            yield Problem(row.file, row.record, "location.geojson", "nested too deeply")


ROW_CHECKS: dict[str, Callable[[ValidRow], Iterator[Problem]]] = {
    "metrics": _metric_problems,
    "reference_factors": _factor_problems,
    "projects": _project_problems,
}


def validation_problems(row: RawRow, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "-"
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(Problem(row.file, row.record, location, message))
    return problems


def checked_rows(
    rows: Iterable[RawRow], table: str, build: Callable[[Any], tuple[Any, ...]] | None = None
) -> Iterator[Checked]:
    """Validate rows one by one, with the checks that need no other row; `build` also turns
    each valid row into its database tuple (a parser process does, to spare the writer)."""
    validate = INPUT_MODELS[table].model_validate
    row_check = ROW_CHECKS.get(table)
    for raw_row in rows:
        try:
            value = validate(raw_row.data)
        except ValidationError as exc:
            yield raw_row.file, raw_row.record, None, None, validation_problems(raw_row, exc)
            continue
        problems = (
            list(row_check(ValidRow(raw_row.file, raw_row.record, value))) if row_check else []
        )
        built = build(value) if build and not problems else None  # a bad row is never written
        yield raw_row.file, raw_row.record, value, built, problems


# ---------------------------------------------------------------- applying


def _e(value: Any) -> Any:
    """An enum as its stored value (psycopg would dump an Enum by name). str() of a StrEnum
    is its value, at a quarter of the cost of `.value` (a Python property)."""
    return None if value is None else str(value)


@dataclass(frozen=True)
class TableSpec:
    """How validated rows of one input table become rows of one database table.

    `build` turns an input model into a plain tuple in `columns` order, so chunks go to the
    driver's executemany without per-row dicts or SQLAlchemy parameter processing."""

    table: Table
    columns: tuple[str, ...]
    build: Callable[[Any], tuple[Any, ...]]
    upsert: bool = True  # entities are upserted by key; child rows are replaced, then inserted


def _statement_sql(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    upsert: bool,
    nulls: tuple[int, ...] = (),
) -> str:
    """INSERT (… ON CONFLICT DO UPDATE) with positional placeholders of the driver, and a
    literal NULL for the columns at positions `nulls` (no parameter is bound for them)."""
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values = ["NULL" if i in nulls else mark for i in range(len(columns))]
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(values)})"
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


def _enum_field(annotation: Any) -> bool:
    options = get_args(annotation) or (annotation,)
    return any(isinstance(t, type) and issubclass(t, Enum) for t in options)


def _as_written(*fields: type[BaseModel]) -> tuple[tuple[str, ...], Callable[[Any], list[Any]]]:
    """The columns a record's input writes as they are (the fields of its field bases, in
    order), and a function that reads them from an input row, enums as their stored values.

    Read from the models, so a field added to a record's field base is written with no edit
    here (docs/architecture.md)."""
    infos = {name: info for model in fields for name, info in model.model_fields.items()}
    names = tuple(infos)
    read = attrgetter(*names)
    enums = [i for i, info in enumerate(infos.values()) if _enum_field(info.annotation)]

    def values(row: Any) -> list[Any]:
        out = list(read(row))
        for i in enums:
            out[i] = _e(out[i])
        return out

    return names, values


PROJECT_WRITTEN, _project_values = _as_written(ProjectFields, Place)
PROJECT_COLUMNS = (
    *PROJECT_WRITTEN,
    *("technology_slug", "sector_slug", "location_source_slug", "search_text"),
    "claimed_tco2_per_year",
)


def _project_builder(parent_of: dict[str, str | None]) -> Callable[[Any], tuple[Any, ...]]:
    def build(p: ProjectIn) -> tuple[Any, ...]:
        sector = parent_of.get(p.technology) or p.technology
        return (
            *_project_values(p),
            # search_text: "" until refresh_derived writes it with the parties, lenders and
            # places of every project written (text indexed now would be indexed twice).
            *(p.technology, sector, p.location_source, ""),
            None,  # claimed_tco2_per_year: set from the claims after the load
        )

    return build


METRIC_STATED, _metric_stated = _as_written(MetricFields)
METRIC_COLUMNS = (
    *METRIC_STATED,
    *("canonical_value", "canonical_value_high", "canonical_unit"),
    *("project_slug", "source_slug", "statement_slug"),
)


def _metric_tuple(r: MetricIn) -> tuple[Any, ...]:
    conversion = conversion_for(r.kind, r.unit, r.period)  # cached; validated before
    factor = conversion.factor
    high = None if r.value_high is None else r.value_high * factor
    return (
        *_metric_stated(r),
        *(r.value * factor, high, conversion.label),
        *(r.project, r.source, r.statement),
    )


def _spec(
    table: type[Any],
    bases: tuple[type[BaseModel], ...],
    references: tuple[tuple[str, str], ...] = (),
) -> TableSpec:
    """A table written from its field bases as they are, then the (column, input field) pairs
    whose names differ between file and table (`organization_slug` from `organization`)."""
    names, values = _as_written(*bases)
    getters = [attrgetter(field) for _column, field in references]

    def build(row: Any) -> tuple[Any, ...]:
        return (*values(row), *(get(row) for get in getters))

    return TableSpec(_t(table), (*names, *(column for column, _f in references)), build)


FINANCING_WRITTEN, _financing_values = _as_written(FinancingFields)
FINANCING_COLUMNS = (*FINANCING_WRITTEN, "project_slug", "lender_slug", "source_slug")
EXTERNAL_ID_WRITTEN, _external_id_values = _as_written(ExternalIdFields)
EXTERNAL_ID_COLUMNS = (*EXTERNAL_ID_WRITTEN, "project_slug", "source_slug")


TABLE_SPECS: dict[str, TableSpec] = {
    "sectors": _spec(
        m.Sector,
        (SectorFields,),
        (("parent_slug", "parent"), ("description", "description"), ("position", "position")),
    ),
    "sources": _spec(m.Source, (SourceFields,)),
    "organizations": _spec(
        m.Organization, (OrganizationFields,), (("country_iso3", "country"), ("note", "note"))
    ),
    "people": _spec(m.Person, (PersonFields,), (("organization_slug", "organization"),)),
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
            "scope",
            "origin",
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
            f.scope,
            f.origin,
            f.source,
            f.note,
        ),
    ),  # fmt: skip
    "statements": _spec(
        m.Statement,
        (StatementFields,),
        (
            ("speaker_slug", "speaker"),
            ("organization_slug", "organization"),
            ("source_slug", "source"),
        ),
    ),
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
    "financing": TableSpec(
        _t(m.Financing),
        FINANCING_COLUMNS,
        lambda f: (*_financing_values(f), f.project, f.lender, f.source),
    ),
    "external_ids": TableSpec(
        _t(m.ExternalId),
        EXTERNAL_ID_COLUMNS,
        lambda x: (*_external_id_values(x), x.project, x.source),
    ),
}


def table_builder(table: str, parent_of: dict[str, str | None]) -> Callable[[Any], tuple[Any, ...]]:
    """Input model -> database tuple for `table` (projects need each technology's sector)."""
    return _project_builder(parent_of) if table == "projects" else TABLE_SPECS[table].build


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
        self.helper: parallel.LoadHelper | None = None

    def run(self) -> None:
        big = any(n >= parallel.MIN_ROWS for n in self.raw.csv_rows.values())
        self.helper = parallel.LoadHelper() if big else None
        try:
            self._write_and_check()
        finally:
            if self.helper is not None:
                self.helper.close()
        self._check_foreign_keys()
        rebuild_catalogue_summaries(self.conn)  # facet counts and text search read these
        _bump_version(self.conn, self.raw.files)
        changelog.record_load(self.conn, self.touched)
        _analyze(self.conn)

    def _write_and_check(self) -> None:
        for table in INPUT_MODELS:
            self._table(table)
        self.problems[:0] = self.raw.problems  # syntax problems first, as read
        if self.problems:
            raise LoadError(self.problems)
        if self.counts.get("reference_factors"):
            # Any claim may be checked against a changed factor: recheck every project's.
            metric = _t(m.Metric)
            self.touched |= set(
                self.conn.execute(select(metric.c.project_slug).distinct()).scalars()
            )
        check_tick = self.progress("Checking claims", len(self.touched)) if self.progress else None
        refresh_derived(self.conn, self.touched, check_tick, self.helper)

    def _table(self, table: str) -> None:
        target = KEY_TARGETS.get(table)
        if target is not None:
            _name, db_table, column = KEY_SOURCES[target]
            self.known[target] = _existing_keys(self.conn, db_table, column)
        if table == "projects":
            self._prepare_projects()
        writer = _ChunkWriter(self, table)
        key_of = KEYS[table]
        references = [(f, t) for tb, f, t in REFERENCES if tb == table and t != target]
        seen: set[Any] = set()
        duplicates: list[ValidRow] = []
        chunk: list[ValidRow] = []
        deferred: list[ValidRow] = []  # self-references (sector parents) wait for the table
        self_reference = target is not None and any(
            tb == table and t == target for tb, _f, t in REFERENCES
        )
        count = pending = 0
        for file, record, value, built, row_problems in self._checked(table):
            pending += 1
            if pending == 1000:
                self.tick(pending)
                pending = 0
            if value is None:
                self.problems.extend(row_problems)
                continue
            row = ValidRow(file, record, value, built)
            key = key_of(value)
            if key in seen:
                duplicates.append(row)
                continue
            seen.add(key)
            if target is not None:
                self.known[target].add(value.slug)
            for field_name, ref_target in references:
                ref = getattr(value, field_name)
                if ref is not None and ref not in self.known[ref_target]:
                    self.problems.append(
                        Problem(file, record, field_name, f"unknown {ref_target} {ref!r}")
                    )
            if row_problems:
                self.problems.extend(row_problems)
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

    def _checked(self, table: str) -> Iterator[Checked]:
        """The table's rows, validated. A big CSV table is parsed and validated in a second
        process while this one writes, so the two cores overlap parsing with SQLite's work."""
        if self.helper is None or self.raw.csv_rows.get(table, 0) < parallel.MIN_ROWS:
            return checked_rows(iter_rows(self.raw, table), table)
        return itertools.chain(
            checked_rows(self.raw.tables.get(table, []), table),
            self.helper.checked_rows(
                table, self.raw.csv_files[table], self.parent_of, self.raw.problems
            ),
        )

    def _check_foreign_keys(self) -> None:
        """SQLite loads with foreign keys off (see `_sqlite_bulk_mode`): one set-based check of
        the tables written, so a reference the validation missed still rolls the load back."""
        if self.conn.dialect.name != "sqlite":
            return  # PostgreSQL checked every row as it went in
        written = {TABLE_SPECS[t].table.name for t, n in self.counts.items() if n}
        if self.touched:
            written.add(_t(m.ClaimCheck).name)
        tables = {t.name: t for t in m.SQLModel.metadata.sorted_tables}
        for name in sorted(written):
            violations = self.conn.exec_driver_sql(f"PRAGMA foreign_key_check({name})").all()
            keys = [c.name for c in tables[name].primary_key.columns]
            for table, rowid, parent, _fk in violations:
                key = self.conn.exec_driver_sql(
                    f"SELECT {', '.join(keys)} FROM {table} WHERE rowid = ?", (rowid,)
                ).one()
                self.problems.append(
                    Problem(
                        "-",
                        f"{table} {'/'.join(map(str, key))}",
                        "-",
                        f"refers to a missing {parent}",
                    )
                )
        if self.problems:
            raise LoadError(self.problems)

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
        first: dict[Any, RawRow] = {}
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
            parts = key if isinstance(key, tuple) else (key,)
            self.problems.append(
                Problem(
                    row.file,
                    row.record,
                    "slug" if len(parts) == 1 else "-",
                    f"duplicate {table[:-1].replace('_', ' ')} {'/'.join(map(str, parts))!r}"
                    + where,
                )
            )


class _ChunkWriter:
    """Writes validated chunks of one table while the load has no problems."""

    def __init__(self, load: _StreamingLoad, table: str):
        self.load = load
        self.conn = load.conn
        self.table_name = table
        self.spec = TABLE_SPECS[table]
        self.build = table_builder(table, load.parent_of)
        self.sql_for: dict[tuple[int, ...], str] = {}  # statement per set of all-NULL columns
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
        if self.table_name == "sectors":  # parents first, so the self-reference holds
            chunk = sorted(chunk, key=lambda row: row.value.parent is not None)
        values = [row.value for row in chunk]
        if self.parent_column is not None:
            self._clear({getattr(v, CHILD_TABLES[self.table_name]) for v in values})
        build = self.build
        self._insert([row.built if row.built is not None else build(row.value) for row in chunk])
        if self.table_name == "projects":
            self.load.touched.update(v.slug for v in values)
        elif self.table_name == "metrics":
            self.load.touched.update(v.project for v in values)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        """executemany, with the chunk's all-NULL columns written as literal NULLs: binding a
        parameter is most of the driver's cost, and a metric row has ~8 empty columns."""
        columns = list(zip(*rows, strict=True))  # transposed in C, as are the rows below
        nulls = tuple(i for i, column in enumerate(columns) if column.count(None) == len(rows))
        if nulls:
            rows = list(zip(*(c for i, c in enumerate(columns) if i not in nulls), strict=True))
        sql = self.sql_for.get(nulls)
        if sql is None:
            spec = self.spec
            sql = _statement_sql(self.conn, spec.table, spec.columns, spec.upsert, nulls)
            self.sql_for[nulls] = sql
        _execute_many(self.conn, sql, rows)

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
    conn: Connection,
    project_slugs: set[str],
    tick: Callable[[int], None] | None = None,
    checker: ClaimChecker | None = None,
) -> None:
    """Recompute per-project summaries and claim checks after their metrics changed; `tick`
    advances a progress bar by the projects checked; `checker` runs the checks (the load's
    helper process, if it has one)."""

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
    # Search text also reads parties, lenders and place names (app/financing/search.py).
    # Both columns in one UPDATE: PostgreSQL writes a new version of the row and of every
    # index entry (the trigram index too) for each UPDATE that touches it.
    derived = {"claimed_tco2_per_year": largest, "search_text": search_text_expression(conn)}
    slugs = sorted(project_slugs)
    for start in range(0, len(slugs), 500):
        batch = slugs[start : start + 500]
        conn.execute(update(project).where(project.c.slug.in_(batch)).values(**derived))
    refresh_claim_checks(conn, project_slugs, tick, checker)


# The PostgreSQL advisory lock a load holds for its whole transaction (pg_locks shows it).
LOAD_LOCK_KEY = 4242


def _lock_for_load(conn: Connection) -> None:
    """Serialise loads: PostgreSQL advisory lock; on SQLite the first write takes the lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOAD_LOCK_KEY})
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
