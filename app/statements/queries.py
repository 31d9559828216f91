"""Statement queries: a filtered page (newest first) with the form's choices, the latest
statements, and statements by slug. Keyword-only; they return app/statements/model.py models."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, exists, func, or_, select
from sqlmodel import Session

from app.filtering import UnknownFilterValue
from app.listing import FacetValue
from app.organizations.model import Organization
from app.organizations.queries import organizations_by_slug, people_by_slug
from app.places.model import SectorRef
from app.places.vocabulary import require_sectors, vocabulary, with_technologies
from app.projects.model import Project, ProjectRef
from app.queries.cache import cached
from app.sources.queries import sources_by_slug
from app.statements.filter import StatementFilter
from app.statements.model import (
    Statement,
    StatementOut,
    StatementPage,
    StatementProject,
    StatementSector,
)

ST = Statement.__table__  # type: ignore[attr-defined]
STP = StatementProject.__table__  # type: ignore[attr-defined]
STS = StatementSector.__table__  # type: ignore[attr-defined]
P = Project.__table__  # type: ignore[attr-defined]
O = Organization.__table__  # type: ignore[attr-defined]  # noqa: E741

# Newest first, undated last, slug as tie-break.
STATEMENT_ORDER = (ST.c.said_on.is_(None), ST.c.said_on.desc(), ST.c.slug.desc())
# Dated statements newest first, then undated ones (the order above), as two queries that an
# index on said_on serves with LIMIT; the expression `said_on IS NULL` would force a full sort.
DATED_ORDER = (ST.c.said_on.desc(), ST.c.slug.desc())
STATEMENT_PROJECT_CHOICES = 100  # the statement form lists the projects with most statements


def statements_by_slug(session: Session, slugs: list[str]) -> list[StatementOut]:
    """Statements in the order of `slugs`, with speaker, organisation, source and topics."""
    if not slugs:
        return []
    found = session.connection().execute(select(ST).where(ST.c.slug.in_(slugs))).mappings()
    rows = {r["slug"]: r for r in found}
    return _statements(session, [rows[slug] for slug in slugs if slug in rows])


def _statements(session: Session, rows: Sequence[Any]) -> list[StatementOut]:
    """Statement rows, in their order, with speaker, organisation, source and topics."""
    if not rows:
        return []
    conn = session.connection()
    slugs = [r["slug"] for r in rows]
    projects: dict[str, list[ProjectRef]] = defaultdict(list)
    for statement_slug, slug, name in conn.execute(_queries()["projects"], {"slugs": slugs}):
        projects[statement_slug].append(ProjectRef(slug=slug, name=name))
    names = vocabulary(session)["sectors"]
    sectors: dict[str, list[SectorRef]] = defaultdict(list)
    for statement_slug, sector_slug in conn.execute(_queries()["sectors"], {"slugs": slugs}):
        name, parent = names.get(sector_slug, (sector_slug, None))
        sectors[statement_slug].append(SectorRef(slug=sector_slug, name=name, parent=parent))
    sources = sources_by_slug(session, (r["source_slug"] for r in rows))
    orgs = organizations_by_slug(session, (r["organization_slug"] for r in rows))
    people = people_by_slug(session, (r["speaker_slug"] for r in rows))
    return [
        StatementOut.model_validate(
            {
                **row,
                "speaker": people.get(row["speaker_slug"] or ""),
                "organization": orgs.get(row["organization_slug"] or ""),
                "source": sources[row["source_slug"]],
                "projects": projects[row["slug"]],
                "sectors": sectors[row["slug"]],
            }
        )
        for row in rows
    ]


def project_statements(session: Session, *, slug: str) -> list[StatementOut]:
    """The statements about a project, newest first."""
    found = session.connection().execute(_queries()["of_project"], {"slug": slug})
    return _statements(session, found.mappings().all())


@lru_cache(maxsize=1)
def _queries() -> dict[str, Any]:
    """Built once, values bound per call: building a statement cost more than running it."""
    slugs: BindParameter[list[str]] = bindparam("slugs", expanding=True)
    return {
        "of_project": select(ST)
        .join(STP, STP.c.statement_slug == ST.c.slug)
        .where(STP.c.project_slug == bindparam("slug"))
        .order_by(*STATEMENT_ORDER),
        "projects": select(STP.c.statement_slug, P.c.slug, P.c.name)
        .join(P, P.c.slug == STP.c.project_slug)
        .where(STP.c.statement_slug.in_(slugs))
        .order_by(P.c.name),
        "sectors": select(STS.c.statement_slug, STS.c.sector_slug)
        .where(STS.c.statement_slug.in_(slugs))
        .order_by(STS.c.sector_slug),
    }


def _require(session: Session, column: Any, values: tuple[str, ...], name: str, hint: str) -> None:
    found = set(session.connection().execute(select(column).where(column.in_(values))).scalars())
    for value in values:
        if value not in found:
            raise UnknownFilterValue(name, value, hint)


def validate_filter(session: Session, filters: StatementFilter) -> None:
    """Raise UnknownFilterValue for an organisation, project or sector the data does not know."""
    if filters.organization:
        hint = "use an organisation slug"
        _require(session, O.c.slug, filters.organization, "organization", hint)
    if filters.project:
        _require(session, P.c.slug, filters.project, "project", "use a project slug")
    require_sectors(session, filters.sector)


def _conditions(session: Session, filters: StatementFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.organization:
        conditions.append(ST.c.organization_slug.in_(filters.organization))
    if filters.project:
        conditions.append(
            exists().where(
                and_(STP.c.statement_slug == ST.c.slug, STP.c.project_slug.in_(filters.project))
            )
        )
    if filters.sector:
        # As in the catalogue, a sector includes its technologies; a statement is about a sector
        # when tagged with it or about one of its projects.
        wanted = with_technologies(session, filters.sector)
        about_sector = exists().where(
            and_(STS.c.statement_slug == ST.c.slug, STS.c.sector_slug.in_(wanted))
        )
        about_project = exists().where(
            and_(
                STP.c.statement_slug == ST.c.slug,
                STP.c.project_slug == P.c.slug,
                or_(P.c.sector_slug.in_(wanted), P.c.technology_slug.in_(wanted)),
            )
        )
        conditions.append(or_(about_sector, about_project))
    return conditions


def statement_conditions(session: Session, filters: StatementFilter) -> list[ColumnElement[bool]]:
    """WHERE clauses on statement for the filter; unknown values raise (the streamed download
    checks them before its first byte)."""
    validate_filter(session, filters)
    return _conditions(session, filters)


def _matching(filters: StatementFilter) -> StatementFilter:
    """The filter without its page: what the matching set (and its cache entries) depend on."""
    return filters.model_copy(update={"page": 1, "per_page": 50})


@cached("statement-count")
def count_statements(session: Session, *, filters: StatementFilter, dated: bool = False) -> int:
    conditions = _conditions(session, filters)
    if dated:
        conditions.append(ST.c.said_on.is_not(None))
    statement = select(func.count()).select_from(ST).where(*conditions)
    return int(session.connection().execute(statement).scalar() or 0)


@cached("statement-slugs")
def statement_slugs(
    session: Session, *, filters: StatementFilter, offset: int, limit: int
) -> list[str]:
    """Slugs of `limit` statements from `offset` in STATEMENT_ORDER: dated ones, then undated.

    Many statements share a date (the synthetic 100k set has 22 dates): the (said_on, slug)
    index read backwards gives newest first with a slug tie-break and no sort."""
    conditions = _conditions(session, filters)
    conn = session.connection()
    dated_total = count_statements(session, filters=filters, dated=True)
    slugs: list[str] = []
    if offset < dated_total:
        slugs = list(
            conn.execute(
                select(ST.c.slug)
                .where(*conditions, ST.c.said_on.is_not(None))
                .order_by(*DATED_ORDER)
                .limit(limit)
                .offset(offset)
            ).scalars()
        )
    if len(slugs) < limit:
        slugs += conn.execute(
            select(ST.c.slug)
            .where(*conditions, ST.c.said_on.is_(None))
            .order_by(ST.c.slug.desc())
            .limit(limit - len(slugs))
            .offset(max(0, offset - dated_total))
        ).scalars()
    return slugs


def _facet(rows: Sequence[Any], selected: Sequence[str]) -> list[FacetValue]:
    return [FacetValue(value=s, label=n, count=int(c), selected=s in selected) for s, n, c in rows]


@cached("statement-facets")
def _facet_rows(session: Session) -> dict[str, Any]:
    """Unfiltered statement counts per organisation, project (the most cited) and sector tag."""
    conn = session.connection()
    orgs = conn.execute(
        select(O.c.slug, O.c.name, func.count())
        .join(ST, ST.c.organization_slug == O.c.slug)
        .group_by(O.c.slug, O.c.name)
        .order_by(O.c.name)
    ).all()
    count = func.count().label("n")
    most = (
        select(STP.c.project_slug, count)
        .group_by(STP.c.project_slug)
        .order_by(count.desc(), STP.c.project_slug)
        .limit(STATEMENT_PROJECT_CHOICES)
        .subquery()
    )
    projects = conn.execute(
        select(P.c.slug, P.c.name, most.c.n).join(most, most.c.project_slug == P.c.slug)
    ).all()
    tagged = conn.execute(select(STS.c.sector_slug, func.count()).group_by(STS.c.sector_slug))
    return {
        "organizations": [tuple(r) for r in orgs],
        "projects": sorted((tuple(r) for r in projects), key=lambda r: (r[1], r[0])),
        "tagged": {slug: int(n) for slug, n in tagged},
    }


def _facets(session: Session, filters: StatementFilter) -> dict[str, list[FacetValue]]:
    """Choices for the statement filter form, each with its number of statements (unfiltered);
    projects are the most cited ones plus any chosen."""
    rows = _facet_rows(session)
    projects = _facet(rows["projects"], filters.project)
    listed = {f.value for f in projects}
    chosen = [p for p in filters.project if p not in listed]
    if chosen:
        names: dict[str, str] = dict(
            session.connection()
            .execute(select(P.c.slug, P.c.name).where(P.c.slug.in_(chosen)))
            .all()
        )
        projects += [
            FacetValue(
                value=p,
                label=names.get(p, p),
                count=count_statements(session, filters=StatementFilter(project=(p,))),
                selected=True,
            )
            for p in chosen
        ]
    tagged = rows["tagged"]
    sectors = [
        FacetValue(
            value=slug,
            label=name,
            count=int(tagged.get(slug, 0)),
            selected=slug in filters.sector,
            parent=parent,
        )
        for slug, (name, parent) in vocabulary(session)["sectors"].items()
        if parent is None or tagged.get(slug) or slug in filters.sector
    ]
    return {
        "organizations": _facet(rows["organizations"], filters.organization),
        "projects": projects,
        "sectors": sectors,
    }


def list_statements(session: Session, *, filters: StatementFilter) -> StatementPage:
    """A page of statements, newest first, with the choices for the filter form."""
    validate_filter(session, filters)
    matching = _matching(filters)
    offset = (filters.page - 1) * filters.per_page
    slugs = statement_slugs(session, filters=matching, offset=offset, limit=filters.per_page)
    return StatementPage(
        items=statements_by_slug(session, slugs),
        total=count_statements(session, filters=matching),
        page=filters.page,
        per_page=filters.per_page,
        **_facets(session, filters),
    )


@cached("latest-statements")
def latest_statements(session: Session, *, limit: int = 5) -> list[StatementOut]:
    """The `limit` most recent statements (undated ones last)."""
    slugs = statement_slugs(session, filters=StatementFilter(), offset=0, limit=limit)
    return statements_by_slug(session, slugs)
