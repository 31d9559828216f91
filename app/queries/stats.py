"""Overview figures: headline counts, the comparable sum of annual CO2 claims, latest statements.

The sum adds one figure per project, `project.claimed_tco2_per_year` (the largest annual claim in
tonnes, kept by the loader), so a figure repeated by several sources is counted once. Emission
claims that are not annual tonnes (cumulative, undated, percentages) cannot be added to it; they
are counted and reported, never converted by guesswork.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app import models as m
from app.queries.cache import cached
from app.queries.statements import statement_rows

P = m.Project.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
MT = m.Metric.__table__  # type: ignore[attr-defined]
ST = m.Statement.__table__  # type: ignore[attr-defined]

EMISSION_KINDS = ("emissions_avoided", "emissions_reduction_pct")
ANNUAL_TONNES = "t/yr"
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


def latest_statements(session: Session, *, limit: int = 5) -> list[dict[str, Any]]:
    """The most recent dated statements, newest first."""
    return statement_rows(session, limit=limit)


def headline_projects(session: Session) -> list[dict[str, Any]]:
    """The four headline projects, in their fixed order (those present in the data)."""
    rows = session.connection().execute(select(P).where(P.c.slug.in_(HEADLINE_SLUGS))).mappings()
    by_slug = {row["slug"]: dict(row) for row in rows}
    return [by_slug[slug] for slug in HEADLINE_SLUGS if slug in by_slug]


def claimed_reductions(session: Session, *, slugs: list[str] | None = None) -> list[dict[str, Any]]:
    """Projects (all, or those in `slugs`) with their largest annual CO2 claim, largest first."""
    statement = (
        select(P.c.slug, P.c.name, P.c.sector_slug, P.c.claimed_tco2_per_year)
        .where(P.c.claimed_tco2_per_year.is_not(None))
        .order_by(P.c.claimed_tco2_per_year.desc(), P.c.name)
    )
    if slugs is not None:
        statement = statement.where(P.c.slug.in_(slugs))
    return [dict(r) for r in session.connection().execute(statement).mappings()]


def project_locations(session: Session, *, slugs: list[str] | None = None) -> list[dict[str, Any]]:
    """Projects (all, or those in `slugs`) that have coordinates."""
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
    if slugs is not None:
        statement = statement.where(P.c.slug.in_(slugs))
    return [dict(r) for r in session.connection().execute(statement).mappings()]
