"""The store: reading claims, activity figures and reference factors from the database and
writing each claim's checks back. The loader calls `refresh_claim_checks` inside its
transaction and works in chunks of projects: three set-based queries per chunk, never a query
per project, and memory bounded by one chunk."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

import orjson
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from app import models as m
from app.checks.constants import ACTIVITY_KINDS, CHECKED_KINDS
from app.checks.kinds import expected_power
from app.checks.ladder import average_years
from app.checks.ranges import Claim, Factor, Quantity
from app.checks.readings import ProjectData, activity_for, checks_for_claim
from app.checks.results import CheckResult
from app.models import MetricKind, Period, Qualifier
from app.units import convert

MT = m.Metric.__table__  # type: ignore[attr-defined]
PT = m.Project.__table__  # type: ignore[attr-defined]
PCT = m.ProjectCountry.__table__  # type: ignore[attr-defined]
RFT = m.ReferenceFactor.__table__  # type: ignore[attr-defined]
CCT = m.ClaimCheck.__table__  # type: ignore[attr-defined]
# Projects checked at a time: memory holds one chunk's metrics and checks, not the dataset's.
CHUNK = 5000
METRIC_COLUMNS = (
    "slug",
    "project_slug",
    "kind",
    "unit",
    "canonical_value",
    "canonical_value_high",
    "canonical_unit",
    "qualifier",
    "period",
    "baseline",
    "scope",
    "source_slug",
    "statement_slug",
    "uncertain",
    "stated_on",
    "year",
    "note",
)
CHECK_COLUMNS = (
    "metric_slug",
    "reading",
    "project_slug",
    "check_name",
    "verdict",
    "ratio",
    "expected_low",
    "expected_high",
    "expected_unit",
    "missing",
    "explanation_json",
)
READ_KINDS = tuple(k.value for k in (*CHECKED_KINDS, *ACTIVITY_KINDS))
ACTIVITY_VALUES = {k.value: k for k in ACTIVITY_KINDS}


def _chunks(slugs: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(slugs)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _marks(conn: Connection, count: int) -> str:
    """`count` positional placeholders of the driver (qmark for sqlite3, %s for psycopg)."""
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * count)


def _rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the driver's fetchall: no per-row SQLAlchemy Row objects."""
    result = conn.exec_driver_sql(sql, tuple(params))
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def load_factors(conn: Connection) -> list[Factor]:
    """Every reference factor (a small table)."""
    rows = conn.execute(select(RFT)).mappings()
    return [
        Factor(
            slug=r["slug"],
            kind=str(r["kind"]),
            value=r["value"],
            unit=r["unit"],
            source_slug=r["source_slug"],
            country=r["country_iso3"],
            mode=r["mode"],
            low=r["low"],
            high=r["high"],
            year=r["year"],
            scope=r["scope"],
        )
        for r in rows
    ]


def _line_km(value: float | None, unit: str | None, source: str | None) -> Quantity | None:
    if value is None or not unit:
        return None
    try:
        km = convert(value, unit, "km")
    except Exception:  # not a length (MW, buses, ...): the project has no line length
        return None
    return Quantity(km, "km", "km", source, "capacity")


@dataclass
class ChunkRows:
    """What the checks of a chunk of projects read from the database, as plain tuples (so
    they can be checked in another process): projects, their countries, their metrics."""

    projects: list[tuple[Any, ...]]
    countries: list[tuple[Any, ...]]
    metrics: list[tuple[Any, ...]]


def read_chunk(conn: Connection, chunk: Sequence[str]) -> ChunkRows:
    """Three queries for up to CHUNK project slugs."""
    keys = _marks(conn, len(chunk))
    kinds = _marks(conn, len(READ_KINDS))
    return ChunkRows(
        projects=_rows(
            conn,
            "SELECT slug, technology_slug, sector_slug, capacity_value, capacity_unit, opened_on "
            f"FROM project WHERE slug IN ({keys})",
            chunk,
        ),
        countries=_rows(
            conn,
            "SELECT project_slug, country_iso3 FROM project_country "
            f"WHERE project_slug IN ({keys})",
            chunk,
        ),
        metrics=_rows(
            conn,
            f"SELECT {', '.join(METRIC_COLUMNS)} FROM metric "
            f"WHERE project_slug IN ({keys}) AND kind IN ({kinds})",
            [*chunk, *READ_KINDS],
        ),
    )


def projects_from_rows(rows: ChunkRows) -> tuple[dict[str, ProjectData], list[Claim]]:
    """Projects with their countries and activity figures, and their claims."""
    projects: dict[str, ProjectData] = {}
    claims: list[Claim] = []
    for slug, tech, sector, cap, cap_unit, opened_on in rows.projects:
        projects[slug] = ProjectData(
            slug,
            tech,
            sector,
            line_km=_line_km(cap, cap_unit, None),
            capacity_mw=_capacity_mw(cap, cap_unit),
            opened_year=_as_date(opened_on).year if opened_on else None,
        )
    for slug, iso3 in rows.countries:
        if slug in projects:
            projects[slug].countries.append(iso3)
    for row in rows.metrics:
        project = projects.get(row[1])
        if project is None or row[4] is None:
            continue
        activity = ACTIVITY_VALUES.get(row[2])
        if activity is None:
            claim = _claim_from_row(row)
            claims.append(claim)
            project.claims.append(claim)
            continue
        q = Quantity(row[4], row[6] or "", row[6] or "", row[11], row[0])
        project.activity[activity].append((q, _PERIODS[row[8]], row[12]))
    for project in projects.values():
        project.countries.sort()
    return projects, claims


def load_projects(conn: Connection, slugs: set[str]) -> tuple[dict[str, ProjectData], list[Claim]]:
    """Projects, their countries, activity figures and claims, read CHUNK slugs at a time."""
    projects: dict[str, ProjectData] = {}
    claims: list[Claim] = []
    for chunk in _chunks(slugs):
        chunk_projects, chunk_claims = projects_from_rows(read_chunk(conn, chunk))
        projects.update(chunk_projects)
        claims += chunk_claims
    return projects, claims


def checks_of_chunk(rows: ChunkRows, factors: list[Factor]) -> list[tuple[Any, ...]]:
    """claim_check rows (CHECK_COLUMNS order) of every claim of a chunk's projects."""
    projects, claims = projects_from_rows(rows)
    checked: list[tuple[Any, ...]] = []
    for claim in claims:
        project_slug = claim.slug.split("/", 1)[0]
        project = projects.get(project_slug)
        if project is not None:
            checked += check_rows(claim, project_slug, checks_for_claim(claim, project, factors))
    return checked


class ClaimChecker(Protocol):
    """Checks chunks in order: `submit` one, `collect` its rows before the next `submit`."""

    def submit(self, rows: ChunkRows, factors: list[Factor]) -> None: ...

    def collect(self) -> list[tuple[Any, ...]]: ...


class LocalChecker:
    """Checks each chunk in this process, at `submit`."""

    def __init__(self) -> None:
        self.result: list[tuple[Any, ...]] = []

    def submit(self, rows: ChunkRows, factors: list[Factor]) -> None:
        self.result = checks_of_chunk(rows, factors)
        if not gc.isenabled():  # a load turns the collector off; checking makes cycles
            gc.collect()

    def collect(self) -> list[tuple[Any, ...]]:
        return self.result


def _claim_from_row(row: Sequence[Any]) -> Claim:
    """A claim from a metric row in METRIC_COLUMNS order."""
    (slug, _project, kind, unit, value, value_high, canonical_unit, qualifier, period,
     baseline, scope, source_slug, statement_slug, uncertain,
     stated_on, year, note) = row  # fmt: skip
    return Claim(
        slug=slug,
        kind=_KINDS[kind],
        value=value,
        value_high=value_high,
        unit=(canonical_unit or unit).removesuffix("/yr"),
        source_slug=source_slug,
        qualifier=_QUALIFIERS[qualifier],
        period=_PERIODS[period],
        baseline=baseline,
        scope=_SCOPES[scope],
        statement_slug=statement_slug,
        uncertain=bool(uncertain),
        stated_on=_as_date(stated_on) if stated_on else None,
        year=year,
        note=note,
    )


def _as_date(value: Any) -> date:
    """A date column as the driver gives it (a date, or ISO text from SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _capacity_mw(value: float | None, unit: str | None) -> float | None:
    if value is None or not unit:
        return None
    try:
        return convert(value, unit, "MW")
    except Exception:  # not a power (km, buses, ...): no capacity factor to compute
        return None


# Stored value -> member by dict: Enum(value) costs a Python call per claim, 4 per row.
_KINDS = {k.value: k for k in MetricKind}
_QUALIFIERS = {q.value: q for q in Qualifier}
_PERIODS = {p.value: p for p in Period}
_SCOPES = {s.value: s for s in m.Scope}


def check_rows(claim: Claim, project_slug: str, results: list[CheckResult]) -> list[tuple]:
    """claim_check rows of one claim's results, in CHECK_COLUMNS order."""
    return [
        (
            claim.slug,
            r.reading,
            project_slug,
            r.check_name,
            r.verdict.value,
            round(r.ratio, 6) if r.ratio is not None else None,
            r.expected.low if r.expected else None,
            r.expected.high if r.expected else None,
            _expected_unit(claim, r),
            r.missing,
            orjson.dumps(r.explanation()).decode(),  # ~8x json.dumps: 1M checks per big load
        )
        for r in results
    ]


def _expected_unit(claim: Claim, result: CheckResult) -> str | None:
    if result.expected is None:
        return None
    if result.expected.unit == "t" and claim.period == Period.annual:
        return "t/yr"
    return result.expected.unit


def refresh_claim_checks(
    conn: Connection,
    project_slugs: set[str],
    tick: Callable[[int], None] | None = None,
    checker: ClaimChecker | None = None,
) -> None:
    """Recompute the stored checks of these projects' claims (inside the loader's transaction).

    Works through the projects in chunks of CHUNK, so memory stays flat whatever the load's
    size. Reading a chunk and writing the previous one's rows overlap the checking of the
    current one when `checker` runs in another process (a big load's helper); by default
    the checks run here. `tick` (a progress bar) advances by each chunk's projects."""
    if not project_slugs:
        return
    checker = checker or LocalChecker()
    factors = load_factors(conn)
    had_checks = conn.execute(select(CCT.c.metric_slug).limit(1)).first() is not None
    insert_sql = (
        f"INSERT INTO claim_check ({', '.join(CHECK_COLUMNS)}) "
        f"VALUES ({_marks(conn, len(CHECK_COLUMNS))})"
    )

    def write(chunk: list[str], rows: list[tuple[Any, ...]]) -> None:
        if had_checks:  # a first load has nothing to delete
            conn.execute(delete(CCT).where(CCT.c.project_slug.in_(chunk)))
        if rows:
            conn.exec_driver_sql(insert_sql, rows)
        if tick is not None:
            tick(len(chunk))

    previous: list[str] | None = None
    for chunk in _chunks(project_slugs):
        rows = read_chunk(conn, chunk)
        done = checker.collect() if previous is not None else []
        checker.submit(rows, factors)  # checked while the previous chunk is written
        if previous is not None:
            write(previous, done)
        previous = chunk
    if previous is not None:
        write(previous, checker.collect())


def project_expected_power(conn: Connection, slug: str) -> CheckResult | None:
    """For a project without a CO2 claim: what its annual generation and its country's average
    grid (the latest years of the data) would give."""
    factors = load_factors(conn)
    projects, _claims = load_projects(conn, {slug})
    project = projects.get(slug)
    if project is None:
        return None
    probe = Claim("", MetricKind.emissions_avoided, 0.0, "t", "")
    generation = activity_for(probe, project, MetricKind.generation, Period.annual)
    average = [
        f for f in factors if f.kind == "grid" and f.mode is None and f.country in project.countries
    ]
    years, _note = average_years([f.year for f in average if f.year is not None], None)
    grid = [f for f in average if f.year in years]
    result = expected_power(generation, grid)
    return replace(result, reading="annual") if result else None
