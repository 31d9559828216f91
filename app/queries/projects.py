"""The catalogue query: one filtered SQL statement for the page, grouped counts for the facets.

Totals and facet counts depend only on the filter and the data, so they are cached per process
and keyed on the dataset version, which every load bumps. A repeated filter costs one indexed
page query; the catalogue is not rescanned on each request.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, exists, literal_column, or_, select
from sqlmodel import Session

from app import models as m
from app.projects.filter import ProjectFilter, SortKey
from app.queries import facets
from app.queries.cache import cached
from app.queries.search import SORT_INDEX_PREFIX, text_conditions
from app.schemas import FacetValue, Page, ProjectSummary

P = m.Project.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
C = m.Country.__table__  # type: ignore[attr-defined]
S = m.Sector.__table__  # type: ignore[attr-defined]
CC = m.ClaimCheck.__table__  # type: ignore[attr-defined]
# Aliases for the filters' EXISTS subqueries: the facet queries join PC and C in the outer
# query, and unaliased subqueries would correlate to those joins and lose their FROM.
PCF = PC.alias("pc_filter")
CF = C.alias("c_filter")

FACETS = ("sector", "country", "region", "status", "kind", "verdict")
STATUS_LABELS = {
    "planned": "Planned",
    "under_construction": "Under construction",
    "operational": "Operational",
    "suspended": "Suspended",
    "cancelled": "Cancelled",
}
KIND_LABELS = {"bri": "BRI project", "reference": "Reference (domestic showcase)"}
VERDICT_LABELS = {
    "consistent": "Consistent",
    "above_range": "Above range",
    "below_range": "Below range",
    "not_checkable": "Not checkable",
}


class UnknownFilterValue(ValueError):
    """A filter names a value the catalogue does not know; pages and API answer 422."""

    def __init__(self, parameter: str, value: str, hint: str = ""):
        self.parameter = parameter
        self.value = value
        message = f"unknown {parameter} {value!r}"
        super().__init__(message + (f"; {hint}" if hint else ""))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------- vocabularies


@cached("vocabulary")
def vocabulary(session: Session) -> dict[str, Any]:
    """Known filter values and their labels, for validation and facet labels."""
    conn = session.connection()
    sectors = conn.execute(
        select(S.c.slug, S.c.name, S.c.parent_slug).order_by(S.c.position, S.c.name)
    ).all()
    countries = conn.execute(select(C.c.iso3, C.c.name, C.c.region, C.c.subregion)).all()
    regions: dict[str, tuple[str, str]] = {}  # slug -> (name, level)
    region_of: dict[str, str] = {}  # subregion name -> region name
    for _iso3, _name, region, subregion in countries:
        if region:
            regions[slugify(region)] = (region, "region")
        if subregion:
            regions[slugify(subregion)] = (subregion, "subregion")
            if region:
                region_of[subregion] = region
    return {
        "sectors": {slug: (name, parent) for slug, name, parent in sectors},
        "countries": {iso3: name for iso3, name, _r, _s in countries},
        "regions": regions,
        "region_of": region_of,
        "countries_regions": {
            iso3: (region or "", subregion or "") for iso3, _n, region, subregion in countries
        },
    }


def validate_filter(session: Session, filters: ProjectFilter) -> None:
    """Raise UnknownFilterValue for a sector, country or region the data does not know."""
    vocab = vocabulary(session)
    for value in filters.sector:
        if value not in vocab["sectors"]:
            raise UnknownFilterValue("sector", value, "use a sector or technology slug")
    for value in filters.country:
        if value.upper() not in vocab["countries"]:
            raise UnknownFilterValue("country", value, "use an ISO 3166-1 alpha-3 code")
    for value in filters.region:
        if value not in vocab["regions"]:
            raise UnknownFilterValue("region", value, "use a UN M49 region slug such as 'asia'")


# ---------------------------------------------------------------- conditions


def _conditions(
    filters: ProjectFilter, vocab: dict[str, Any], skip: str | None = None, dialect: str = ""
) -> list[ColumnElement[bool]]:
    """WHERE clauses for every facet except `skip` (facet counts ignore their own facet)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.sector and skip != "sector":
        # One IN over technology slugs (a sector stands for its technologies), so the
        # (technology_slug, ...) indexes serve the filter and, for one technology, the order.
        conditions.append(P.c.technology_slug.in_(_technologies(filters.sector, vocab)))
    if filters.country and skip != "country":
        codes = [c.upper() for c in filters.country]
        conditions.append(
            exists().where(and_(PCF.c.project_slug == P.c.slug, PCF.c.country_iso3.in_(codes)))
        )
    if filters.region and skip != "region":
        names = [vocab["regions"][r][0] for r in filters.region if r in vocab["regions"]]
        conditions.append(
            exists().where(
                and_(
                    PCF.c.project_slug == P.c.slug,
                    PCF.c.country_iso3 == CF.c.iso3,
                    or_(CF.c.region.in_(names), CF.c.subregion.in_(names)),
                )
            )
        )
    if filters.status and skip != "status":
        conditions.append(P.c.status.in_([s.value for s in filters.status]))
    if filters.kind and skip != "kind":
        conditions.append(P.c.kind.in_([k.value for k in filters.kind]))
    if filters.verdict and skip != "verdict":
        conditions.append(
            exists().where(
                and_(
                    CC.c.project_slug == P.c.slug,
                    CC.c.verdict.in_([v.value for v in filters.verdict]),
                )
            )
        )
    if filters.q and filters.q.strip():
        conditions += text_conditions(filters.q, dialect)
    return conditions


def _technologies(values: Sequence[str], vocab: dict[str, Any]) -> list[str]:
    chosen = set(values)
    return sorted(
        slug
        for slug, (_name, parent) in vocab["sectors"].items()
        if parent is not None and (slug in chosen or parent in chosen)
    )


SORT_COLUMNS = {
    SortKey.name: (P.c.name.asc(),),
    SortKey.name_desc: (P.c.name.desc(),),
    SortKey.capacity: (P.c.capacity_value.is_(None), P.c.capacity_value.asc()),
    SortKey.capacity_desc: (P.c.capacity_value.is_(None), P.c.capacity_value.desc()),
    SortKey.claimed: (P.c.claimed_tco2_per_year.is_(None), P.c.claimed_tco2_per_year.asc()),
    SortKey.claimed_desc: (P.c.claimed_tco2_per_year.is_(None), P.c.claimed_tco2_per_year.desc()),
    SortKey.opened: (P.c.opened_on.is_(None), P.c.opened_on.asc()),
    SortKey.opened_desc: (P.c.opened_on.is_(None), P.c.opened_on.desc()),
}


def sort_index_statements() -> list[str]:
    """CREATE INDEX statements whose order is each non-name sort's ORDER BY (NULLs last), so a
    sorted page of a broad filter is read in index order, not sorted (used by the migration;
    a name sort reads ix_project_name)."""
    statements = []
    for key in SORT_COLUMNS:
        if key in (SortKey.name, SortKey.name_desc):
            continue
        column = key.value.lstrip("-")
        column = {"capacity": "capacity_value", "claimed": "claimed_tco2_per_year",
                  "opened": "opened_on"}[column]  # fmt: skip
        direction = " DESC" if key.value.startswith("-") else ""
        name = f"{SORT_INDEX_PREFIX}{key.value.lstrip('-')}{'_desc' if direction else ''}"
        order = f"({column} IS NULL), {column}{direction}"
        statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON project ({order})")
    return statements


# ---------------------------------------------------------------- queries


def list_projects(
    session: Session, *, filters: ProjectFilter, with_facets: bool = True
) -> Page[ProjectSummary]:
    """A page of the catalogue for `filters`, with the total and (optionally) facet counts."""
    validate_filter(session, filters)
    total, facets = _totals_and_facets(session, filters, with_facets)
    items = _page_rows(session, filters)
    return Page[ProjectSummary](
        items=items, total=total, page=filters.page, per_page=filters.per_page, facets=facets
    )


def _totals_and_facets(
    session: Session, filters: ProjectFilter, with_facets: bool
) -> tuple[int, dict[str, list[FacetValue]]]:
    counts = facet_counts(session, filters.cache_key()) if with_facets else None
    total = counts["__total__"] if counts else count_projects(session, filters.cache_key())
    if counts is None:
        return total, {}
    return total, _facet_values(session, filters, counts)


def _filter_from_key(key: tuple[Any, ...]) -> ProjectFilter:
    sector, country, region, status, kind, verdict, q = key
    return ProjectFilter(
        sector=list(sector),
        country=list(country),
        region=list(region),
        status=list(status),
        kind=list(kind),
        verdict=list(verdict),
        q=q or None,
    )


def count_projects(session: Session, key: tuple[Any, ...]) -> int:
    """Projects matching a filter: a sum over the facet summary, not a count of rows."""
    return int(facet_counts(session, key)["__total__"])


@cached("facets")
def facet_counts(session: Session, key: tuple[Any, ...]) -> dict[str, Any]:
    """Counts per facet value (each facet follows every filter except its own), the total, and
    the projects with an annual claim; summed from `facet_profile` (app/queries/facets.py)."""
    filters = _filter_from_key(key)
    vocab = vocabulary(session)
    index = facets.facet_index(session)
    weights = None
    if filters.q and filters.q.strip():
        weights = _text_matches(session, str(key[-1])).weights(index)
    counts = facets.summary_counts(index, _facet_query(filters, vocab), weights)
    counts["sector"] = facets.sector_totals(counts["technology"], vocab["sectors"])
    return counts


@cached("text-matches")
def _text_matches(session: Session, q: str) -> facets.TextMatches:
    """The projects a text query matches, found once per query and dataset version."""
    conditions = text_conditions(q, _dialect(session))
    return facets.text_matches(session, facets.facet_index(session), conditions)


def _facet_query(filters: ProjectFilter, vocab: dict[str, Any]) -> facets.FacetQuery:
    """The filter as sets of facet values (None: that facet is not filtered)."""
    regions = {vocab["regions"][r][0] for r in filters.region if r in vocab["regions"]}
    return facets.FacetQuery(
        technologies=set(_technologies(filters.sector, vocab)) if filters.sector else None,
        countries={c.upper() for c in filters.country} if filters.country else None,
        regions=regions if filters.region else None,
        statuses={s.value for s in filters.status} if filters.status else None,
        kinds={k.value for k in filters.kind} if filters.kind else None,
        verdicts={v.value for v in filters.verdict} if filters.verdict else None,
    )


def _dialect(session: Session) -> str:
    return str(session.get_bind().dialect.name)


def _facet(**fields: Any) -> FacetValue:
    # Built from the summary and the vocabulary (values already of the right types): skip
    # validation, ~150 values per catalogue page.
    return FacetValue.model_construct(**fields)


def _facet_values(
    session: Session, filters: ProjectFilter, counts: dict[str, Any]
) -> dict[str, list[FacetValue]]:
    vocab = vocabulary(session)
    selected_sectors = set(filters.sector)
    sector_values: list[FacetValue] = []
    for slug, (name, parent) in vocab["sectors"].items():
        n = counts["technology"].get(slug, 0) if parent else counts["sector"].get(slug, 0)
        if n or slug in selected_sectors:
            sector_values.append(
                _facet(
                    value=slug,
                    label=name,
                    count=n,
                    selected=slug in selected_sectors,
                    parent=parent,
                )
            )
    selected_countries = {c.upper() for c in filters.country}
    country_values = sorted(
        (
            _facet(
                value=iso3,
                label=vocab["countries"][iso3],
                count=n,
                selected=iso3 in selected_countries,
            )
            for iso3, n in counts["country"].items()
        ),
        key=lambda f: (-f.count, f.label),
    )
    country_values += [
        _facet(value=c, label=vocab["countries"].get(c, c), count=0, selected=True)
        for c in selected_countries
        if c not in counts["country"]
    ]
    region_values = []
    for level, level_counts in (("region", counts["region"]), ("subregion", counts["subregion"])):
        for name, n in sorted(level_counts.items()):
            slug = slugify(name)
            parent = (
                slugify(vocab["region_of"][name])
                if level == "subregion" and name in vocab["region_of"]
                else None
            )
            region_values.append(
                _facet(
                    value=slug, label=name, count=n, selected=slug in filters.region, parent=parent
                )
            )
    region_values += [
        _facet(value=r, label=vocab["regions"][r][0], count=0, selected=True)
        for r in filters.region
        if r not in {f.value for f in region_values}
    ]
    return {
        "sector": sector_values,
        "country": country_values,
        "region": region_values,
        "status": _enum_facet(STATUS_LABELS, counts["status"], {s.value for s in filters.status}),
        "kind": _enum_facet(KIND_LABELS, counts["kind"], {k.value for k in filters.kind}),
        "verdict": _enum_facet(
            VERDICT_LABELS, counts["verdict"], {v.value for v in filters.verdict}
        ),
    }


def _enum_facet(
    labels: dict[str, str], counts: dict[str, int], selected: set[str]
) -> list[FacetValue]:
    return [
        _facet(value=value, label=label, count=counts.get(value, 0), selected=value in selected)
        for value, label in labels.items()
        if counts.get(value, 0) or value in selected
    ]


def _row_conditions(
    session: Session, filters: ProjectFilter, rows_wanted: int | None
) -> list[ColumnElement[bool]]:
    """WHERE clauses that find a filter's projects through their facet profile ids.

    Which index reads the rows is chosen from the filter's total (known from the summary):
    a few matches are fetched through `ix_project_facet_profile_id` and sorted; many are read
    in the sort's own index order, each row's profile tested, until `rows_wanted` are found
    (about rows_wanted x catalogue / total rows). `rows_wanted=None`: every match is read.
    A text query's own index lookup drives the read when there is one."""
    vocab = vocabulary(session)
    query = _facet_query(filters, vocab)
    conditions: list[ColumnElement[bool]] = []
    text = bool(filters.q and filters.q.strip())
    if text:
        exact = _text_rowids(session, filters, query)
        if exact is not None:
            return [exact]
    if facets.is_filtered(query):
        index = facets.facet_index(session)
        ids, excluded = facets.matching_profiles(index, query)
        total = int(facet_counts(session, filters.cache_key())["__total__"])
        everything = int(index.projects.sum())
        walk = rows_wanted is not None and total * total > rows_wanted * everything
        conditions.append(_profile_condition(ids, excluded, indexed=not (walk or text)))
    if text:
        conditions += text_conditions(filters.q, _dialect(session))
    return conditions


FETCH_BY_ROWID_MAX = 5000


def _text_rowids(
    session: Session, filters: ProjectFilter, query: facets.FacetQuery
) -> ColumnElement[bool] | None:
    """SQLite, text query: `rowid IN (...)` of exactly the matching projects when they are
    few (known from the cached text matches), so the page neither searches nor tests again."""
    matches = _text_matches(session, str(filters.cache_key()[-1]))
    if matches.rowids is None:
        return None
    index = facets.facet_index(session)
    rowids = matches.rowids[facets.kept(index, query)[matches.profiles]]
    if len(rowids) > FETCH_BY_ROWID_MAX:
        return None
    if not len(rowids):
        return literal_column("1 = 0")
    return literal_column(f"project.rowid IN ({', '.join(str(int(r)) for r in rowids)})")


def _profile_condition(ids: list[int], excluded: bool, *, indexed: bool) -> ColumnElement[bool]:
    """`facet_profile_id [NOT] IN (ids)`; ids are integers from the summary, inlined (a bound
    parameter each would cost more than the query). `+ 0` keeps the planner off the index."""
    column = "project.facet_profile_id" if indexed else "(project.facet_profile_id + 0)"
    if not ids:
        return literal_column("1 = 1") if excluded else literal_column("1 = 0")
    listed = ", ".join(str(int(i)) for i in ids)
    return literal_column(f"{column} {'NOT IN' if excluded else 'IN'} ({listed})")


def _page_rows(session: Session, filters: ProjectFilter) -> list[ProjectSummary]:
    vocab = vocabulary(session)
    wanted = filters.page * filters.per_page
    statement = (
        select(P)
        .where(*_row_conditions(session, filters, wanted))
        .order_by(*SORT_COLUMNS[filters.sort], P.c.slug)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    conn = session.connection()
    rows = conn.execute(statement).mappings().all()
    slugs = [row["slug"] for row in rows]
    countries: dict[str, list[str]] = defaultdict(list)
    if slugs:
        for slug, iso3 in conn.execute(
            select(PC.c.project_slug, PC.c.country_iso3)
            .where(PC.c.project_slug.in_(slugs))
            .order_by(PC.c.country_iso3)
        ):
            countries[slug].append(iso3)
    return [_summary(row, countries[row["slug"]], vocab) for row in rows]


def _summary(row: Any, countries: list[str], vocab: dict[str, Any]) -> ProjectSummary:
    return ProjectSummary(
        slug=row["slug"],
        name=row["name"],
        local_name=row["local_name"],
        kind=row["kind"],
        sector=row["sector_slug"],
        technology=row["technology_slug"],
        technology_name=vocab["sectors"].get(
            row["technology_slug"], (row["technology_slug"], None)
        )[0],
        status=row["status"],
        capacity_value=row["capacity_value"],
        capacity_unit=row["capacity_unit"],
        opened_on=row["opened_on"],
        cost_usd=row["cost_usd"],
        claimed_tco2_per_year=row["claimed_tco2_per_year"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        location_precision=row["location_precision"],
        countries=countries,
    )


def matching_projects_query(session: Session, filters: ProjectFilter) -> Select[Any]:
    """Every project matching the filter, in its sort order (exports stream this)."""
    validate_filter(session, filters)
    return (
        select(P)
        .where(*_row_conditions(session, filters, None))
        .order_by(*SORT_COLUMNS[filters.sort], P.c.slug)
    )


def all_matching_slugs(
    session: Session, *, filters: ProjectFilter, limit: int = 100_000
) -> list[str]:
    """Slugs of every project matching the filter, in sort order (for exports and charts)."""
    validate_filter(session, filters)
    return list(_matching_slugs(session, filters.cache_key(), filters.sort, limit))


@cached("slugs")
def _matching_slugs(
    session: Session, key: tuple[Any, ...], sort: SortKey, limit: int
) -> tuple[str, ...]:
    statement = (
        select(P.c.slug)
        .where(*_row_conditions(session, _filter_from_key(key), None))
        .order_by(*SORT_COLUMNS[sort], P.c.slug)
        .limit(limit)
    )
    return tuple(row[0] for row in session.connection().execute(statement))


class TopClaims(BaseModel):
    """The largest annual CO2 claims among the projects a filter matches, and how many there are."""

    rows: list[dict[str, Any]]
    total: int = Field(description="Matching projects that have an annual tonnes claim")


def top_claims(session: Session, *, filters: ProjectFilter, limit: int = 20) -> TopClaims:
    """The `limit` matching projects with the largest annual CO2 claim, largest first, and
    the number of matching projects with such a claim (the chart shows a bounded top list)."""
    validate_filter(session, filters)
    return _top_claims(session, filters.cache_key(), limit)


@cached("top-claims")
def _top_claims(session: Session, key: tuple[Any, ...], limit: int) -> TopClaims:
    filters = _filter_from_key(key)
    conditions = [
        *_row_conditions(session, filters, limit),
        P.c.claimed_tco2_per_year.is_not(None),
    ]
    conn = session.connection()
    total = facet_counts(session, key)["__claimed__"]
    rows = conn.execute(
        select(P.c.slug, P.c.name, P.c.sector_slug, P.c.claimed_tco2_per_year)
        .where(*conditions)
        .order_by(P.c.claimed_tco2_per_year.desc(), P.c.name, P.c.slug)
        .limit(limit)
    ).mappings()
    return TopClaims(rows=[dict(r) for r in rows], total=int(total or 0))
