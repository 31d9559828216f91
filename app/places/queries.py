"""Country and sector pages: the list of countries with projects, the taxonomy with counts,
and one country or sector with its projects (read models and queries)."""

from __future__ import annotations

from collections import defaultdict

from pydantic import Field
from sqlalchemy import func, select
from sqlmodel import Session

from app.filtering import PER_PAGE_MAX
from app.listing import FacetValue
from app.places.model import Country, CountrySummary, Sector, SectorSummary
from app.places.vocabulary import vocabulary
from app.projects.catalogue import list_projects
from app.projects.filter import ProjectFilter
from app.projects.model import Project, ProjectCountry, ProjectSummary
from app.queries.cache import cached
from app.statements.filter import StatementFilter
from app.statements.model import StatementOut
from app.statements.queries import list_statements

P = Project.__table__  # type: ignore[attr-defined]
PC = ProjectCountry.__table__  # type: ignore[attr-defined]
C = Country.__table__  # type: ignore[attr-defined]
S = Sector.__table__  # type: ignore[attr-defined]


class CountryDetail(CountrySummary):
    """A country with its projects."""

    official_name: str | None = Field(default=None, description="Official name")
    projects: list[ProjectSummary] = Field(
        default_factory=list, description="Projects in the country, by name"
    )
    sector_counts: list[FacetValue] = Field(
        default_factory=list, description="Projects per sector in the country"
    )


class SectorDetail(SectorSummary):
    """A sector or technology with its projects and statements."""

    projects: list[ProjectSummary] = Field(
        default_factory=list, description="Projects in the sector, by name"
    )
    statements: list[StatementOut] = Field(
        default_factory=list, description="Statements about the sector, newest first"
    )


# ---------------------------------------------------------------- countries


def list_countries(session: Session) -> list[CountrySummary]:
    """Countries that have projects, by name, with their project counts."""
    conn = session.connection()
    counts: dict[str, int] = dict(
        conn.execute(select(PC.c.country_iso3, func.count()).group_by(PC.c.country_iso3)).all()
    )
    if not counts:
        return []
    rows = conn.execute(select(C).where(C.c.iso3.in_(sorted(counts))).order_by(C.c.name))
    return [
        CountrySummary.model_validate({**r, "project_count": int(counts[r["iso3"]])})
        for r in rows.mappings()
    ]


@cached("country")
def find_country(session: Session, *, iso3: str) -> Country | None:
    """A country by ISO3 code (any case), or None."""
    row = session.connection().execute(select(C).where(C.c.iso3 == iso3.upper())).mappings()
    found = row.first()
    return Country.model_validate(found) if found else None


def country_detail(session: Session, *, country: Country) -> CountryDetail:
    """A country (even one without projects) with its projects and sector counts."""
    page = list_projects(
        session,
        filters=ProjectFilter(country=(country.iso3,), per_page=PER_PAGE_MAX),
        with_facets=False,
    )
    names = vocabulary(session)["sectors"]
    return CountryDetail.model_validate(
        {
            **country.model_dump(),
            "project_count": page.total,
            "projects": page.items,
            "sector_counts": [
                FacetValue(value=slug, label=names.get(slug, (slug,))[0], count=n, selected=False)
                for slug, n in _country_sector_counts(session, code=country.iso3)
            ],
        }
    )


@cached("country-sectors")
def _country_sector_counts(session: Session, *, code: str) -> list[tuple[str, int]]:
    """Projects of a country per sector, most first."""
    rows = session.connection().execute(
        select(P.c.sector_slug, func.count())
        .join(PC, PC.c.project_slug == P.c.slug)
        .where(PC.c.country_iso3 == code)
        .group_by(P.c.sector_slug)
        .order_by(func.count().desc(), P.c.sector_slug)
    )
    return [(slug, int(n)) for slug, n in rows]


# ---------------------------------------------------------------- sectors


@cached("sector-summaries")
def sector_summaries(session: Session) -> dict[str, SectorSummary]:
    """Every sector and technology by slug, with its project count (no technologies nested)."""
    conn = session.connection()
    counts: dict[str, int] = defaultdict(int)
    for column in (P.c.technology_slug, P.c.sector_slug):
        for slug, n in conn.execute(select(column, func.count()).group_by(column)):
            counts[slug] += int(n)
    rows = conn.execute(select(S).order_by(S.c.position, S.c.name)).mappings()
    return {
        r["slug"]: SectorSummary.model_validate(
            {**r, "parent": r["parent_slug"], "project_count": counts.get(r["slug"], 0)}
        )
        for r in rows
    }


def list_sectors(session: Session) -> list[SectorSummary]:
    """The taxonomy: sectors in order, each with its technologies and project counts."""
    summaries = {k: v.model_copy() for k, v in sector_summaries(session).items()}  # cached
    top = [s for s in summaries.values() if s.parent is None]
    for item in top:
        item.technologies = [s for s in summaries.values() if s.parent == item.slug]
    return top


def sector_detail(session: Session, *, sector: SectorSummary) -> SectorDetail:
    """A sector or technology with its technologies, projects and latest statements."""
    summaries = sector_summaries(session)
    page = list_projects(
        session,
        filters=ProjectFilter(sector=(sector.slug,), per_page=PER_PAGE_MAX),
        with_facets=False,
    )
    statements = list_statements(
        session, filters=StatementFilter(sector=(sector.slug,), per_page=20)
    )
    return SectorDetail.model_validate(
        {
            **sector.model_dump(exclude={"technologies"}),
            "technologies": [s for s in summaries.values() if s.parent == sector.slug],
            "projects": page.items,
            "statements": statements.items,
        }
    )
