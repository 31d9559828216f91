"""The one query layer behind project, statement, country and sector pages and the JSON API:
each function returns a typed response model of app/api_schemas.py."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlmodel import Session

from app import models as m
from app.api_schemas import (
    ClaimCheckOut,
    CountryDetail,
    CountryRef,
    CountrySummary,
    ExpectedRangeOut,
    LocationOut,
    MetricOut,
    MetricPage,
    OrganizationRef,
    PartyOut,
    PersonRef,
    ProjectDetail,
    ProjectRef,
    RelatedProject,
    SectorDetail,
    SectorRef,
    SectorSummary,
    SourceOut,
    StatementOut,
    StatementPage,
)
from app.filtering import PAGE_MAX, PER_PAGE_MAX
from app.projects.filter import ProjectFilter
from app.queries.cache import cached
from app.queries.checks import checks_for_project
from app.queries.projects import UnknownFilterValue, list_projects, vocabulary
from app.schemas import FacetValue

P = m.Project.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
PP = m.ProjectParty.__table__  # type: ignore[attr-defined]
C = m.Country.__table__  # type: ignore[attr-defined]
O = m.Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
MT = m.Metric.__table__  # type: ignore[attr-defined]
SO = m.Source.__table__  # type: ignore[attr-defined]
S = m.Sector.__table__  # type: ignore[attr-defined]


def _country_row(session: Session, iso3: str) -> dict[str, Any] | None:
    """A country by ISO3 code (any case)."""
    row = session.connection().execute(select(C).where(C.c.iso3 == iso3.upper())).mappings()
    found = row.first()
    return dict(found) if found else None


def _countries(session: Session, slug: str) -> list[dict[str, Any]]:
    statement = (
        select(C.c.iso3, C.c.name, C.c.region, C.c.subregion)
        .join(PC, PC.c.country_iso3 == C.c.iso3)
        .where(PC.c.project_slug == slug)
        .order_by(C.c.name)
    )
    return [dict(r) for r in session.connection().execute(statement).mappings()]


# The functions below return the response models of app/api_schemas.py; the pages, the JSON API
# and the exports all call them. Unknown filter values raise UnknownFilterValue (422); unknown
# slugs give None (404).

PS = m.ProjectSource.__table__  # type: ignore[attr-defined]
PER = m.Person.__table__  # type: ignore[attr-defined]
ST = m.Statement.__table__  # type: ignore[attr-defined]
STP = m.StatementProject.__table__  # type: ignore[attr-defined]
STS = m.StatementSector.__table__  # type: ignore[attr-defined]

FilterValues = str | Sequence[str] | None


def _values(value: FilterValues) -> list[str]:
    """One value or several, as a de-duplicated list (empty strings ignored)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return list(dict.fromkeys(v for v in items if v))


def _check_page(page: int, per_page: int) -> None:
    if not 1 <= page <= PAGE_MAX:
        raise UnknownFilterValue("page", str(page), f"pages run from 1 to {PAGE_MAX}")
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise UnknownFilterValue("per_page", str(per_page), f"use 1 to {PER_PAGE_MAX}")


def _sources(session: Session, slugs: Iterable[str | None]) -> dict[str, SourceOut]:
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = session.connection().execute(select(SO).where(SO.c.slug.in_(wanted))).mappings()
    return {row["slug"]: SourceOut.model_validate(dict(row)) for row in rows}


def _organizations(session: Session, slugs: Iterable[str | None]) -> dict[str, OrganizationRef]:
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = session.connection().execute(select(O).where(O.c.slug.in_(wanted))).mappings()
    return {
        row["slug"]: OrganizationRef(
            slug=row["slug"],
            name=row["name"],
            local_name=row["local_name"],
            kind=row["kind"],
            country=row["country_iso3"],
        )
        for row in rows
    }


def _people(session: Session, slugs: Iterable[str | None]) -> dict[str, PersonRef]:
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = session.connection().execute(select(PER).where(PER.c.slug.in_(wanted))).mappings()
    return {
        row["slug"]: PersonRef(
            slug=row["slug"],
            name=row["name"],
            title=row["title"],
            organization=row["organization_slug"],
        )
        for row in rows
    }


def _sector_ref(vocab: dict[str, Any], slug: str) -> SectorRef:
    name, parent = vocab["sectors"].get(slug, (slug, None))
    return SectorRef(slug=slug, name=name, parent=parent)


# ---------------------------------------------------------------- metrics


def _metric_rows(session: Session, statement: Select[Any]) -> list[MetricOut]:
    rows = session.connection().execute(statement).mappings().all()
    sources = _sources(session, (r["source_slug"] for r in rows))
    return [
        MetricOut(
            slug=r["slug"],
            project=ProjectRef(slug=r["project_slug"], name=r["project_name"]),
            kind=r["kind"],
            value=r["value"],
            value_high=r["value_high"],
            qualifier=r["qualifier"],
            unit=r["unit"],
            canonical_value=r["canonical_value"],
            canonical_value_high=r["canonical_value_high"],
            canonical_unit=r["canonical_unit"],
            period=r["period"],
            period_start=r["period_start"],
            period_end=r["period_end"],
            year=r["year"],
            baseline=r["baseline"],
            scope=r["scope"],
            basis=r["basis"],
            source=sources[r["source_slug"]],
            statement=r["statement_slug"],
            claimant=r["claimant"],
            stated_on=r["stated_on"],
            uncertain=bool(r["uncertain"]),
            note=r["note"],
        )
        for r in rows
    ]


def _metric_select() -> Select[Any]:
    return select(MT, P.c.name.label("project_name")).join(P, P.c.slug == MT.c.project_slug)


def _known(session: Session, column: Any, values: list[str], name: str, hint: str) -> None:
    found = set(session.connection().execute(select(column).where(column.in_(values))).scalars())
    for value in values:
        if value not in found:
            raise UnknownFilterValue(name, value, hint)


def _metric_conditions(
    session: Session,
    project: list[str],
    kind: list[str],
    basis: list[str],
    sector: list[str],
    country: list[str],
) -> list[ColumnElement[bool]]:
    vocab = vocabulary(session)
    conditions: list[ColumnElement[bool]] = []
    if project:
        _known(session, P.c.slug, project, "project", "use a project slug")
        conditions.append(MT.c.project_slug.in_(project))
    for name, values, enum, column in (
        ("kind", kind, m.MetricKind, MT.c.kind),
        ("basis", basis, m.Basis, MT.c.basis),
    ):
        allowed = [e.value for e in enum]
        for value in values:
            if value not in allowed:
                raise UnknownFilterValue(name, value, "one of " + ", ".join(allowed))
        if values:
            conditions.append(column.in_(values))
    for value in sector:
        if value not in vocab["sectors"]:
            raise UnknownFilterValue("sector", value, "use a sector or technology slug")
    if sector:
        conditions.append(or_(P.c.sector_slug.in_(sector), P.c.technology_slug.in_(sector)))
    codes = [c.upper() for c in country]
    for code in codes:
        if code not in vocab["countries"]:
            raise UnknownFilterValue("country", code, "use an ISO 3166-1 alpha-3 code")
    if codes:
        conditions.append(
            exists().where(and_(PC.c.project_slug == P.c.slug, PC.c.country_iso3.in_(codes)))
        )
    return conditions


def list_metrics(
    session: Session,
    *,
    project: FilterValues = None,
    kind: FilterValues = None,
    basis: FilterValues = None,
    sector: FilterValues = None,
    country: FilterValues = None,
    page: int = 1,
    per_page: int = 50,
) -> MetricPage:
    """A page of metrics, by project then kind; values OR within a filter, AND across."""
    _check_page(page, per_page)
    conditions = _metric_conditions(
        session, _values(project), _values(kind), _values(basis), _values(sector), _values(country)
    )
    total_statement = (
        select(func.count())
        .select_from(MT.join(P, P.c.slug == MT.c.project_slug))
        .where(*conditions)
    )
    total = int(session.connection().execute(total_statement).scalar() or 0)
    statement = (
        _metric_select()
        .where(*conditions)
        .order_by(MT.c.project_slug, MT.c.kind, MT.c.slug)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = _metric_rows(session, statement)
    return MetricPage(items=items, total=total, page=page, per_page=per_page)


# ---------------------------------------------------------------- statements


def _statements_by_slug(session: Session, slugs: list[str]) -> list[StatementOut]:
    """Statements in the order of `slugs`, with speaker, organisation, source and topics."""
    if not slugs:
        return []
    conn = session.connection()
    rows = {r["slug"]: r for r in conn.execute(select(ST).where(ST.c.slug.in_(slugs))).mappings()}
    projects: dict[str, list[ProjectRef]] = defaultdict(list)
    for statement_slug, slug, name in conn.execute(
        select(STP.c.statement_slug, P.c.slug, P.c.name)
        .join(P, P.c.slug == STP.c.project_slug)
        .where(STP.c.statement_slug.in_(slugs))
        .order_by(P.c.name)
    ):
        projects[statement_slug].append(ProjectRef(slug=slug, name=name))
    vocab = vocabulary(session)
    sectors: dict[str, list[SectorRef]] = defaultdict(list)
    for statement_slug, sector_slug in conn.execute(
        select(STS.c.statement_slug, STS.c.sector_slug)
        .where(STS.c.statement_slug.in_(slugs))
        .order_by(STS.c.sector_slug)
    ):
        sectors[statement_slug].append(_sector_ref(vocab, sector_slug))
    values = list(rows.values())
    sources = _sources(session, (r["source_slug"] for r in values))
    orgs = _organizations(session, (r["organization_slug"] for r in values))
    people = _people(session, (r["speaker_slug"] for r in values))
    return [
        StatementOut(
            slug=slug,
            text=rows[slug]["text"],
            form=rows[slug]["form"],
            speaker=people.get(rows[slug]["speaker_slug"] or ""),
            speaker_role=rows[slug]["speaker_role"],
            organization=orgs.get(rows[slug]["organization_slug"] or ""),
            said_on=rows[slug]["said_on"],
            event=rows[slug]["event"],
            source=sources[rows[slug]["source_slug"]],
            language=rows[slug]["language"],
            projects=projects[slug],
            sectors=sectors[slug],
        )
        for slug in slugs
        if slug in rows
    ]


def _statement_conditions(
    session: Session, organization: list[str], project: list[str], sector: list[str]
) -> list[ColumnElement[bool]]:
    if organization:
        _known(session, O.c.slug, organization, "organization", "use an organisation slug")
    if project:
        _known(session, P.c.slug, project, "project", "use a project slug")
    sectors = vocabulary(session)["sectors"]
    for value in sector:
        if value not in sectors:
            raise UnknownFilterValue("sector", value, "use a sector or technology slug")
    conditions: list[ColumnElement[bool]] = []
    if organization:
        conditions.append(ST.c.organization_slug.in_(organization))
    if project:
        conditions.append(
            exists().where(and_(STP.c.statement_slug == ST.c.slug, STP.c.project_slug.in_(project)))
        )
    if sector:
        # As in the catalogue, a sector includes its technologies; a statement is about a sector
        # when tagged with it or about one of its projects.
        wanted = set(sector) | {s for s, (_n, parent) in sectors.items() if parent in sector}
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


STATEMENT_ORDER = (ST.c.said_on.is_(None), ST.c.said_on.desc(), ST.c.slug.desc())
# Dated statements newest first, then undated ones (the order above), as two queries that an
# index on said_on serves with LIMIT; the expression `said_on IS NULL` would force a full sort.
DATED_ORDER = (ST.c.said_on.desc(), ST.c.slug.desc())
STATEMENT_PROJECT_CHOICES = 100  # the statement form lists the projects with most statements


def _facet(rows: Sequence[Any], selected: list[str]) -> list[FacetValue]:
    return [FacetValue(value=s, label=n, count=int(c), selected=s in selected) for s, n, c in rows]


@cached("statement-facets")
def _statement_facet_rows(session: Session) -> dict[str, Any]:
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


def _statement_facets(
    session: Session, organization: list[str], project: list[str], sector: list[str]
) -> dict[str, list[FacetValue]]:
    """Choices for the statement filter form, each with its number of statements (unfiltered);
    projects are the most cited ones plus any chosen."""
    rows = _statement_facet_rows(session)
    projects = _facet(rows["projects"], project)
    listed = {f.value for f in projects}
    chosen = [p for p in project if p not in listed]
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
                count=_statement_count(session, ((), (p,), ())),
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
            selected=slug in sector,
            parent=parent,
        )
        for slug, (name, parent) in vocabulary(session)["sectors"].items()
        if parent is None or tagged.get(slug) or slug in sector
    ]
    return {
        "organizations": _facet(rows["organizations"], organization),
        "projects": projects,
        "sectors": sectors,
    }


def _statement_key(orgs: list[str], projects: list[str], sectors: list[str]) -> tuple[Any, ...]:
    return tuple(sorted(orgs)), tuple(sorted(projects)), tuple(sorted(sectors))


@cached("statement-count")
def _statement_count(session: Session, key: tuple[Any, ...], dated: bool = False) -> int:
    conditions = _statement_conditions(session, *(list(part) for part in key))
    if dated:
        conditions.append(ST.c.said_on.is_not(None))
    statement = select(func.count()).select_from(ST).where(*conditions)
    return int(session.connection().execute(statement).scalar() or 0)


@cached("statement-slugs")
def _statement_slugs(session: Session, key: tuple[Any, ...], offset: int, limit: int) -> list[str]:
    """Slugs of `limit` statements from `offset` in STATEMENT_ORDER: dated ones, then undated.

    Many statements share a date (the synthetic 100k set has 22 dates): the (said_on, slug)
    index read backwards gives newest first with a slug tie-break and no sort."""
    conditions = _statement_conditions(session, *(list(part) for part in key))
    conn = session.connection()
    dated_total = _statement_count(session, key, True)
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


def list_statements(
    session: Session,
    *,
    organization: FilterValues = None,
    project: FilterValues = None,
    sector: FilterValues = None,
    page: int = 1,
    per_page: int = 50,
) -> StatementPage:
    """A page of statements, newest first, with the choices for the filter form."""
    _check_page(page, per_page)
    orgs, projects, sectors = _values(organization), _values(project), _values(sector)
    _statement_conditions(session, orgs, projects, sectors)  # unknown values raise here
    key = _statement_key(orgs, projects, sectors)
    slugs = _statement_slugs(session, key, (page - 1) * per_page, per_page)
    return StatementPage(
        items=_statements_by_slug(session, slugs),
        total=_statement_count(session, key),
        page=page,
        per_page=per_page,
        **_statement_facets(session, orgs, projects, sectors),
    )


def latest_statements(session: Session, *, limit: int = 5) -> list[StatementOut]:
    """The `limit` most recent statements (undated ones last)."""
    return _latest_statements(session, limit)


@cached("latest-statements")
def _latest_statements(session: Session, limit: int) -> list[StatementOut]:
    return _statements_by_slug(session, _statement_slugs(session, ((), (), ()), 0, limit))


# ---------------------------------------------------------------- projects


def _location(session: Session, row: Any) -> LocationOut | None:
    if row["latitude"] is None and not row["geometry_geojson"] and not row["location_name"]:
        return None
    sources = _sources(session, [row["location_source_slug"]])
    geometry = json.loads(row["geometry_geojson"]) if row["geometry_geojson"] else None
    return LocationOut(
        latitude=row["latitude"],
        longitude=row["longitude"],
        precision=row["location_precision"],
        name=row["location_name"],
        source=sources.get(row["location_source_slug"] or ""),
        geometry=geometry if isinstance(geometry, dict) else None,
    )


def _party_records(session: Session, slug: str) -> list[PartyOut]:
    rows = (
        session.connection()
        .execute(select(PP).where(PP.c.project_slug == slug).order_by(PP.c.role))
        .mappings()
        .all()
    )
    orgs = _organizations(session, (r["organization_slug"] for r in rows))
    parties = [
        PartyOut(organization=orgs[r["organization_slug"]], role=r["role"], note=r["note"])
        for r in rows
    ]
    return sorted(parties, key=lambda p: (p.role, p.organization.name))


PROJECT_FIELDS = (
    *("slug", "name", "local_name", "kind", "status", "summary", "facts_note"),
    *("capacity_value", "capacity_unit", "capacity_note", "cost_usd", "cost_note"),
    *("opened_on", "construction_started_on", "claimed_tco2_per_year"),
)


def project_record(session: Session, *, slug: str) -> ProjectDetail | None:
    """A project with its countries, parties, metrics, statements and every source cited."""
    conn = session.connection()
    row = conn.execute(select(P).where(P.c.slug == slug)).mappings().first()
    if row is None:
        return None
    vocab = vocabulary(session)
    metrics = _metric_rows(
        session,
        _metric_select()
        .where(MT.c.project_slug == slug)
        .order_by(MT.c.kind, MT.c.stated_on.is_(None), MT.c.stated_on, MT.c.slug),
    )
    statement_slugs = list(
        conn.execute(
            select(ST.c.slug)
            .join(STP, STP.c.statement_slug == ST.c.slug)
            .where(STP.c.project_slug == slug)
            .order_by(*STATEMENT_ORDER)
        ).scalars()
    )
    statements = _statements_by_slug(session, statement_slugs)
    location = _location(session, row)
    cited = list(conn.execute(select(PS.c.source_slug).where(PS.c.project_slug == slug)).scalars())
    cited += [x.source.slug for x in metrics] + [x.source.slug for x in statements]
    if location and location.source:
        cited.append(location.source.slug)
    sources = sorted(_sources(session, cited).values(), key=lambda s: (s.publisher, s.title))
    checks = checks_for_project(session, slug=slug)
    return ProjectDetail(
        **{name: row[name] for name in PROJECT_FIELDS},
        sector=_sector_ref(vocab, row["sector_slug"]),
        technology=_sector_ref(vocab, row["technology_slug"]),
        location=location,
        countries=[CountryRef.model_validate(c) for c in _countries(session, slug)],
        parties=_party_records(session, slug),
        metrics=metrics,
        statements=statements,
        sources=sources,
        checks=[ClaimCheckOut.model_validate(c.model_dump()) for c in checks.checks],
        no_claim=checks.no_claim,
        expected_without_claim=(
            ExpectedRangeOut.model_validate(checks.expected_without_claim.model_dump())
            if checks.expected_without_claim
            else None
        ),
        related=related_projects(session, slug=slug),
    )


def related_projects(session: Session, *, slug: str, limit: int = 6) -> list[RelatedProject]:
    """Projects of the same technology first, then of the same sector, by name."""
    conn = session.connection()
    me = conn.execute(select(P.c.sector_slug, P.c.technology_slug).where(P.c.slug == slug)).first()
    if me is None:
        return []
    vocab = vocabulary(session)
    siblings = [s for s, (_n, parent) in vocab["sectors"].items() if parent == me.sector_slug]
    # One technology per query, in name order with LIMIT: each reads at most `limit` entries of
    # the (technology_slug, name, slug) index, where one query over the whole sector sorted it.
    same = _first_by_name(conn, [me.technology_slug], exclude=slug, limit=limit)
    others: list[Any] = []
    if len(same) < limit:
        for technology in siblings:
            if technology != me.technology_slug:
                others += _first_by_name(conn, [technology], exclude=slug, limit=limit)
        others = sorted(others, key=lambda r: (r.name, r.slug))[: limit - len(same)]
    return [
        RelatedProject(slug=r.slug, name=r.name, technology=_sector_ref(vocab, r.technology_slug))
        for r in [*same, *others]
    ]


def _first_by_name(conn: Any, technologies: list[str], *, exclude: str, limit: int) -> list[Any]:
    statement = (
        select(P.c.slug, P.c.name, P.c.technology_slug)
        .where(P.c.technology_slug.in_(technologies), P.c.slug != exclude)
        .order_by(P.c.name, P.c.slug)
        .limit(limit)
    )
    return list(conn.execute(statement))


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
        CountrySummary(
            iso3=r["iso3"],
            iso2=r["iso2"],
            name=r["name"],
            region=r["region"],
            subregion=r["subregion"],
            project_count=int(counts[r["iso3"]]),
        )
        for r in rows.mappings()
    ]


def country_detail(session: Session, *, iso3: str) -> CountryDetail | None:
    """A country (any ISO3, even one without projects) with its projects and sector counts."""
    found = _country_row(session, iso3)
    if found is None:
        return None
    code = found["iso3"]
    page = list_projects(
        session, filters=ProjectFilter(country=[code], per_page=PER_PAGE_MAX), with_facets=False
    )
    counts = _country_sector_counts(session, code)
    vocab = vocabulary(session)
    return CountryDetail(
        iso3=found["iso3"],
        iso2=found["iso2"],
        name=found["name"],
        official_name=found["official_name"],
        region=found["region"],
        subregion=found["subregion"],
        project_count=page.total,
        projects=page.items,
        sector_counts=[
            FacetValue(value=slug, label=_sector_ref(vocab, slug).name, count=n, selected=False)
            for slug, n in counts
        ],
    )


@cached("country-sectors")
def _country_sector_counts(session: Session, code: str) -> list[tuple[str, int]]:
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
def _sector_summaries(session: Session) -> dict[str, SectorSummary]:
    conn = session.connection()
    counts: dict[str, int] = defaultdict(int)
    for column in (P.c.technology_slug, P.c.sector_slug):
        for slug, n in conn.execute(select(column, func.count()).group_by(column)):
            counts[slug] += int(n)
    rows = conn.execute(select(S).order_by(S.c.position, S.c.name)).mappings()
    return {
        r["slug"]: SectorSummary(
            slug=r["slug"],
            name=r["name"],
            parent=r["parent_slug"],
            description=r["description"],
            project_count=counts.get(r["slug"], 0),
        )
        for r in rows
    }


def list_sectors(session: Session) -> list[SectorSummary]:
    """The taxonomy: sectors in order, each with its technologies and project counts."""
    summaries = {k: v.model_copy() for k, v in _sector_summaries(session).items()}  # cached
    top = [s for s in summaries.values() if s.parent is None]
    for item in top:
        item.technologies = [s for s in summaries.values() if s.parent == item.slug]
    return top


def sector_detail(session: Session, *, slug: str) -> SectorDetail | None:
    """A sector or technology with its technologies, projects and latest statements."""
    summaries = _sector_summaries(session)
    if slug not in summaries:
        return None
    page = list_projects(
        session, filters=ProjectFilter(sector=[slug], per_page=PER_PAGE_MAX), with_facets=False
    )
    return SectorDetail(
        **summaries[slug].model_dump(exclude={"technologies"}),
        technologies=[s for s in summaries.values() if s.parent == slug],
        projects=page.items,
        statements=list_statements(session, sector=slug, per_page=20).items,
    )
