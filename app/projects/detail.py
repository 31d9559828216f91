"""One project with everything known about it and where each fact comes from: the read model
of /projects/{slug} and /api/v1/projects/{slug}, and the query that builds it."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import Field
from sqlalchemy import BindParameter, Select, bindparam, select
from sqlmodel import Session

from app.financing.model import ExternalIdOut, FinancingOut
from app.financing.queries import project_external_ids, project_financing
from app.metrics.model import MetricOut
from app.metrics.queries import project_metrics
from app.organizations.queries import organizations_by_slug
from app.places.model import Country, CountryRef, SectorRef
from app.places.vocabulary import vocabulary
from app.projects.model import (
    LocationOut,
    PartyOut,
    Project,
    ProjectCountry,
    ProjectFields,
    ProjectParty,
    ProjectSource,
    RelatedProject,
)
from app.queries.cache import cached
from app.queries.checks import ClaimCheckOut, ExpectedRangeOut, project_checks
from app.sources.model import SourceOut
from app.sources.queries import sources_by_slug
from app.statements.model import StatementOut
from app.statements.queries import project_statements

P = Project.__table__  # type: ignore[attr-defined]
PC = ProjectCountry.__table__  # type: ignore[attr-defined]
PP = ProjectParty.__table__  # type: ignore[attr-defined]
PS = ProjectSource.__table__  # type: ignore[attr-defined]
C = Country.__table__  # type: ignore[attr-defined]


class ProjectDetail(ProjectFields):
    """A project with everything known about it and where each fact comes from."""

    sector: SectorRef = Field(description="Sector")
    technology: SectorRef = Field(description="Technology within the sector")
    claimed_tco2_per_year: float | None = Field(
        default=None, description="Largest annual CO2 reduction claimed, tonnes per year"
    )
    location: LocationOut | None = Field(default=None, description="Location, where sourced")
    countries: list[CountryRef] = Field(default_factory=list, description="Countries")
    parties: list[PartyOut] = Field(default_factory=list, description="Organisations and roles")
    metrics: list[MetricOut] = Field(default_factory=list, description="Figures with sources")
    statements: list[StatementOut] = Field(
        default_factory=list, description="Statements about the project"
    )
    sources: list[SourceOut] = Field(
        default_factory=list, description="Every source cited for the project, its figures"
    )
    checks: list[ClaimCheckOut] = Field(
        default_factory=list, description="Plausibility check of each emission claim"
    )
    no_claim: str | None = Field(
        default=None, description="Said when the project has no emission claim to check"
    )
    expected_without_claim: ExpectedRangeOut | None = Field(
        default=None, description="Range the project's data imply when there is no claim"
    )
    related: list[RelatedProject] = Field(
        default_factory=list, description="Projects of the same technology, then the same sector"
    )
    financing: list[FinancingOut] = Field(
        default_factory=list, description="Financing commitments: who lent what, when (AidData)"
    )
    external_ids: list[ExternalIdOut] = Field(
        default_factory=list, description="Its ids in other databases (AidData, OpenStreetMap...)"
    )


def _sector_ref(session: Session, slug: str) -> SectorRef:
    name, parent = vocabulary(session)["sectors"].get(slug, (slug, None))
    return SectorRef(slug=slug, name=name, parent=parent)


def _location(session: Session, row: Any) -> LocationOut | None:
    if row["latitude"] is None and not row["geometry_geojson"] and not row["location_name"]:
        return None
    sources = sources_by_slug(session, [row["location_source_slug"]])
    geometry = json.loads(row["geometry_geojson"]) if row["geometry_geojson"] else None
    return LocationOut(
        latitude=row["latitude"],
        longitude=row["longitude"],
        precision=row["location_precision"],
        name=row["location_name"],
        source=sources.get(row["location_source_slug"] or ""),
        geometry=geometry if isinstance(geometry, dict) else None,
    )


def _parties(session: Session, slug: str) -> list[PartyOut]:
    rows = session.connection().execute(_statements()["parties"], {"slug": slug}).mappings().all()
    orgs = organizations_by_slug(session, (r["organization_slug"] for r in rows))
    parties = [
        PartyOut(organization=orgs[r["organization_slug"]], role=r["role"], note=r["note"])
        for r in rows
    ]
    return sorted(parties, key=lambda p: (p.role, p.organization.name))


def _countries(session: Session, slug: str) -> list[CountryRef]:
    rows = session.connection().execute(_statements()["countries"], {"slug": slug}).mappings()
    return [CountryRef.model_validate(r) for r in rows]


@lru_cache(maxsize=1)
def _statements() -> dict[str, Select[Any]]:
    """The record's queries, built once with the slug bound per call (building one cost more
    than running it)."""
    slug: BindParameter[str] = bindparam("slug")
    return {
        "exists": select(P.c.slug).where(P.c.slug == slug),
        "project": select(P).where(P.c.slug == slug),
        "cited": select(PS.c.source_slug).where(PS.c.project_slug == slug),
        "parties": select(PP).where(PP.c.project_slug == slug).order_by(PP.c.role),
        "countries": select(C.c.iso3, C.c.name, C.c.region, C.c.subregion)
        .join(PC, PC.c.country_iso3 == C.c.iso3)
        .where(PC.c.project_slug == slug)
        .order_by(C.c.name),
    }


def project_exists(session: Session, *, slug: str) -> bool:
    """Whether the data has a project with this slug (one primary-key lookup)."""
    found = session.connection().execute(_statements()["exists"], {"slug": slug})
    return found.first() is not None


def project_record(session: Session, *, slug: str) -> ProjectDetail | None:
    """A project with its countries, parties, metrics, statements and every source cited."""
    # Not cached: routes build it inside the response cache, which keeps what a URL asked for
    # again needs; most project URLs are asked for once, and sizing a record for a bounded
    # cache cost ~1 ms of CPU each time.
    conn = session.connection()
    row = conn.execute(_statements()["project"], {"slug": slug}).mappings().first()
    if row is None:
        return None
    metrics = project_metrics(session, slug=slug)
    statements = project_statements(session, slug=slug)
    location = _location(session, row)
    cited = list(conn.execute(_statements()["cited"], {"slug": slug}).scalars())
    cited += [x.source.slug for x in metrics] + [x.source.slug for x in statements]
    if location and location.source:
        cited.append(location.source.slug)
    sources = sorted(sources_by_slug(session, cited).values(), key=lambda s: (s.publisher, s.title))
    checks = project_checks(session, slug=slug, view=ClaimCheckOut)
    return ProjectDetail.model_validate(
        {
            **row,
            "sector": _sector_ref(session, row["sector_slug"]),
            "technology": _sector_ref(session, row["technology_slug"]),
            "location": location,
            "countries": _countries(session, slug),
            "parties": _parties(session, slug),
            "metrics": metrics,
            "statements": statements,
            "sources": sources,
            "checks": checks.checks,
            "no_claim": checks.no_claim,
            "expected_without_claim": (
                ExpectedRangeOut.model_validate(checks.expected_without_claim.model_dump())
                if checks.expected_without_claim
                else None
            ),
            "related": related_projects(
                session, slug=slug, sector=row["sector_slug"], technology=row["technology_slug"]
            ),
            "financing": project_financing(session, slug=slug),
            "external_ids": project_external_ids(session, slug=slug),
        }
    )


def related_projects(
    session: Session, *, slug: str, sector: str, technology: str, limit: int = 6
) -> list[RelatedProject]:
    """Projects of the same technology first, then of the same sector, by name."""
    sectors = vocabulary(session)["sectors"]
    siblings = [s for s, (_n, parent) in sectors.items() if parent == sector]
    same = _first_by_name(session, technology, exclude=slug, limit=limit)
    others: list[Any] = []
    if len(same) < limit:
        for sibling in siblings:
            if sibling != technology:
                others += _first_by_name(session, sibling, exclude=slug, limit=limit)
        others = sorted(others, key=lambda r: (r[1], r[0]))[: limit - len(same)]
    return [
        RelatedProject(slug=s, name=n, technology=_sector_ref(session, t))
        for s, n, t in [*same, *others]
    ]


def _first_by_name(
    session: Session, technology: str, *, exclude: str, limit: int
) -> list[tuple[str, str, str]]:
    rows = _technology_first(session, technology, limit + 1)
    return [r for r in rows if r[0] != exclude][:limit]


@cached("technology-first")
def _technology_first(session: Session, technology: str, count: int) -> list[tuple[str, str, str]]:
    """A technology's first `count` projects by name: the same few for every project of it,
    so read once per dataset version (one per page, a planner without statistics for
    ix_project_technology_unit read and sorted the whole technology through it: ~20 ms at 100k)."""
    statement = (
        select(P.c.slug, P.c.name, P.c.technology_slug)
        .where(P.c.technology_slug == technology)
        .order_by(P.c.name, P.c.slug)
        .limit(count)
    )
    return [(r.slug, r.name, r.technology_slug) for r in session.connection().execute(statement)]
