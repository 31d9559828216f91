"""Overview figures: headline counts, the comparable sum of annual CO2 claims, map and checks data.

The sum adds one figure per project, `project.claimed_tco2_per_year` (the largest annual claim in
tonnes, kept by the loader), so a figure repeated by several sources is counted once. Emission
claims that are not annual tonnes (cumulative, undated, percentages) cannot be added to it; they
are counted and reported, never converted by guesswork.

Every overview aggregate is one SQL query cached per dataset version (`@cached`), so the overview
costs the same at 1k and at 100k projects once warm.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, select
from sqlmodel import Session

from app import models as m
from app.queries.cache import cached
from app.queries.checks import VERDICT_LABELS

P = m.Project.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
MT = m.Metric.__table__  # type: ignore[attr-defined]
C = m.Country.__table__  # type: ignore[attr-defined]
CC = m.ClaimCheck.__table__  # type: ignore[attr-defined]

EMISSION_KINDS = ("emissions_avoided", "emissions_reduction_pct")
ANNUAL_TONNES = "t/yr"
MAP_MAX_POINTS = 500  # beyond this the overview map counts projects per country
CHECKS_LIMIT = 30  # claims in the overview's claimed-versus-expected chart
HEADLINE_SLUGS = (
    "mozura-wind-park",
    "karot-hydropower",
    "china-laos-railway",
    "jakarta-bandung-hsr",
)


@cached("headline-figures")
def headline_figures(session: Session) -> dict[str, Any]:
    """Counts of projects, countries and technologies, and the comparable annual CO2 sum."""
    conn = session.connection()
    projects, technologies = conn.execute(
        select(func.count(), func.count(func.distinct(P.c.technology_slug))).select_from(P)
    ).one()
    countries = conn.execute(select(func.count(func.distinct(PC.c.country_iso3)))).scalar() or 0
    summed, summed_projects = conn.execute(
        select(func.sum(P.c.claimed_tco2_per_year), func.count(P.c.claimed_tco2_per_year))
    ).one()
    return {
        "projects": int(projects),
        "countries": int(countries),
        "technologies": int(technologies),
        "claimed_tco2_per_year": float(summed or 0),
        "summed_projects": int(summed_projects),
        "left_out": _left_out_claims(session),
    }


def _left_out_claims(session: Session) -> dict[str, int]:
    """Emission claims the annual sum leaves out, by reason."""
    conn = session.connection()
    rows = conn.execute(
        select(MT.c.canonical_unit, func.count())
        .where(MT.c.kind.in_(EMISSION_KINDS))
        .group_by(MT.c.canonical_unit)
    ).all()
    by_unit = {str(unit): int(n) for unit, n in rows}
    annual = by_unit.pop(ANNUAL_TONNES, 0)
    percent = by_unit.pop("%", 0)
    not_annual = by_unit.pop("t", 0)
    return {
        "percentages": percent,
        "not_annual": not_annual,
        "other_units": sum(by_unit.values()),
        # Annual tonnes claims beyond the one largest figure per project (repeats, older figures).
        "repeats": annual - _projects_with_annual_claims(session),
    }


def _projects_with_annual_claims(session: Session) -> int:
    statement = select(func.count(func.distinct(MT.c.project_slug))).where(
        MT.c.kind.in_(EMISSION_KINDS), MT.c.canonical_unit == ANNUAL_TONNES
    )
    return int(session.connection().execute(statement).scalar() or 0)


@cached("headline-projects")
def headline_projects(session: Session) -> list[dict[str, Any]]:
    """The four headline projects, in their fixed order (those present in the data)."""
    rows = session.connection().execute(select(P).where(P.c.slug.in_(HEADLINE_SLUGS))).mappings()
    by_slug = {row["slug"]: dict(row) for row in rows}
    return [by_slug[slug] for slug in HEADLINE_SLUGS if slug in by_slug]


class MapData(BaseModel):
    """What the overview map draws: every located project, or per-country counts when many."""

    located: int = Field(description="Projects with coordinates")
    points: list[dict[str, Any]] = Field(default_factory=list, description="One per project")
    countries: list[dict[str, Any]] = Field(
        default_factory=list, description="iso3, name, projects: located projects per country"
    )


@cached("map-data")
def map_data(session: Session, *, max_points: int = MAP_MAX_POINTS) -> MapData:
    """Located projects as points when at most `max_points`, otherwise counted per country
    (a project in two countries counts in both)."""
    conn = session.connection()
    located = P.c.latitude.is_not(None), P.c.longitude.is_not(None)
    total = int(conn.execute(select(func.count()).select_from(P).where(*located)).scalar() or 0)
    if total <= max_points:
        return MapData(located=total, points=project_locations(session))
    count = func.count().label("projects")
    rows = conn.execute(
        select(C.c.iso3, C.c.name, count)
        .select_from(
            P.join(PC, PC.c.project_slug == P.c.slug).join(C, C.c.iso3 == PC.c.country_iso3)
        )
        .where(*located)
        .group_by(C.c.iso3, C.c.name)
        .order_by(count.desc(), C.c.name)
    ).mappings()
    return MapData(located=total, countries=[dict(r) for r in rows])


def project_locations(session: Session) -> list[dict[str, Any]]:
    """Projects that have coordinates, by name."""
    statement = (
        select(
            P.c.slug,
            P.c.name,
            P.c.sector_slug,
            P.c.latitude,
            P.c.longitude,
            P.c.location_precision,
            P.c.location_name,
        )
        .where(P.c.latitude.is_not(None), P.c.longitude.is_not(None))
        .order_by(P.c.name)
    )
    return [dict(r) for r in session.connection().execute(statement).mappings()]


class ComparableCheck(BaseModel):
    """An annual tonnes claim with the expected range its check found (the overview chart)."""

    project_slug: str
    project_name: str
    metric_slug: str
    reading: str
    # Optional only to match app/charts_checks.py CheckLike; the query selects non-null rows.
    claim_canonical_value: float | None
    claim_canonical_unit: str | None
    expected_low: float | None
    expected_high: float | None
    expected_unit: str | None
    verdict_label: str


class ComparableChecks(BaseModel):
    """The largest comparable claims, and how many there are in all."""

    rows: list[ComparableCheck]
    total: int


@cached("comparable-checks")
def comparable_checks(session: Session, *, limit: int = CHECKS_LIMIT) -> ComparableChecks:
    """Checks of annual tonnes claims that have an expected range: the `limit` largest claims
    (by project name, claim and reading, as the project pages list them) and their number."""
    where = (
        CC.c.expected_unit == ANNUAL_TONNES,
        MT.c.canonical_unit == ANNUAL_TONNES,
        MT.c.canonical_value.is_not(None),
        CC.c.expected_low.is_not(None),
        CC.c.expected_high.is_not(None),
    )
    joined = CC.join(MT, MT.c.slug == CC.c.metric_slug).join(P, P.c.slug == CC.c.project_slug)
    conn = session.connection()
    total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar()
    largest = (
        select(CC.c.metric_slug, CC.c.reading)
        .select_from(joined)
        .where(*where)
        .order_by(MT.c.canonical_value.desc(), CC.c.metric_slug, CC.c.reading)
        .limit(limit)
        .subquery()
    )
    rows = conn.execute(
        select(
            CC.c.project_slug,
            P.c.name.label("project_name"),
            CC.c.metric_slug,
            CC.c.reading,
            MT.c.canonical_value.label("claim_canonical_value"),
            MT.c.canonical_unit.label("claim_canonical_unit"),
            CC.c.expected_low,
            CC.c.expected_high,
            CC.c.expected_unit,
            CC.c.verdict,
        )
        .select_from(
            joined.join(
                largest,
                and_(largest.c.metric_slug == CC.c.metric_slug, largest.c.reading == CC.c.reading),
            )
        )
        .order_by(P.c.name, CC.c.project_slug, CC.c.metric_slug, CC.c.reading)
    ).mappings()
    checks = [
        ComparableCheck(
            **{k: v for k, v in r.items() if k != "verdict"},
            verdict_label=VERDICT_LABELS[m.Verdict(r["verdict"])],
        )
        for r in rows
    ]
    return ComparableChecks(rows=checks, total=int(total or 0))
