"""The catalogue: a page of projects, its facet counts and total, and the top claims.

Totals and facet counts are sums over the loader's facet summary (app/projects/facets.py),
never a scan of the matching rows; rows are found through their facet profile ids, by the
index the filter's size calls for. Everything is cached per process and keyed on the dataset
version, which every load bumps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlmodel import Session

from app.financing.queries import lender_condition, lender_names, require_lenders
from app.listing import FacetValue, Page
from app.models import ClaimCheck
from app.places.model import Country
from app.places.vocabulary import (
    require_countries,
    require_regions,
    require_sectors,
    slugify,
    vocabulary,
)
from app.projects import facets, page_order
from app.projects.filter import ProjectFilter, SortKey
from app.projects.model import Project, ProjectCountry, ProjectFacetProfile, ProjectSummary
from app.projects.search import text_conditions, text_index_query
from app.queries.cache import cached
from app.queries.checks import VERDICT_LABELS

Rowids = page_order.Rowids
P = Project.__table__  # type: ignore[attr-defined]
PC = ProjectCountry.__table__  # type: ignore[attr-defined]
PFP = ProjectFacetProfile.__table__  # type: ignore[attr-defined]
C = Country.__table__  # type: ignore[attr-defined]
CC = ClaimCheck.__table__  # type: ignore[attr-defined]
# Aliases for the filters' EXISTS subqueries: the facet queries join PC and C in the outer
# query, and unaliased subqueries would correlate to those joins and lose their FROM.
PCF = PC.alias("pc_filter")
CF = C.alias("c_filter")

STATUS_LABELS = {
    "planned": "Planned",
    "under_construction": "Under construction",
    "operational": "Operational",
    "suspended": "Suspended",
    "cancelled": "Cancelled",
}
KIND_LABELS = {"bri": "BRI project", "reference": "Reference (domestic showcase)"}
# Facet labels of the verdicts: the checks' words, capitalised.
VERDICT_FACET_LABELS = {str(v): label.capitalize() for v, label in VERDICT_LABELS.items()}
# What the matching set does not depend on: counts and facets ignore them.
ORDER_AND_PAGE = ("sort", "page", "per_page")


def validate_filter(session: Session, filters: ProjectFilter) -> None:
    """Raise UnknownFilterValue for a sector, country or region the data does not know."""
    require_sectors(session, filters.sector)
    require_countries(session, filters.country)
    require_regions(session, filters.region)
    require_lenders(session, filters.lender)


# ---------------------------------------------------------------- conditions


def _conditions(
    filters: ProjectFilter, vocab: dict[str, Any], skip: str | None = None
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
    if filters.lender and skip != "lender":
        conditions.append(lender_condition(list(filters.lender)))
    if filters.q and filters.q.strip():
        for word in filters.q.lower().split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(P.c.search_text.like(f"%{escaped}%", escape="\\"))
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
    # MW and km do not compare: capacity sorts within each unit, units in alphabetical order.
    SortKey.capacity: (P.c.capacity_value.is_(None), P.c.capacity_unit, P.c.capacity_value.asc()),
    SortKey.capacity_desc: (
        P.c.capacity_value.is_(None),
        P.c.capacity_unit,
        P.c.capacity_value.desc(),
    ),
    SortKey.claimed: (P.c.claimed_tco2_per_year.is_(None), P.c.claimed_tco2_per_year.asc()),
    SortKey.claimed_desc: (P.c.claimed_tco2_per_year.is_(None), P.c.claimed_tco2_per_year.desc()),
    SortKey.opened: (P.c.opened_on.is_(None), P.c.opened_on.asc()),
    SortKey.opened_desc: (P.c.opened_on.is_(None), P.c.opened_on.desc()),
}


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


def facet_values(session: Session, *, filters: ProjectFilter) -> dict[str, list[FacetValue]]:
    """Every facet's values for a filter, labelled and ordered (what a Page's `facets` holds)."""
    return _facet_values(session, filters, facet_counts(session, filters=filters))


def _totals_and_facets(
    session: Session, filters: ProjectFilter, with_facets: bool
) -> tuple[int, dict[str, list[FacetValue]]]:
    counts = facet_counts(session, filters=filters) if with_facets else None
    total = counts["__total__"] if counts else count_projects(session, filters=filters)
    if counts is None:
        return total, {}
    return total, _facet_values(session, filters, counts)


@cached("count", ignore=ORDER_AND_PAGE)
def count_projects(session: Session, *, filters: ProjectFilter) -> int:
    """Projects matching a filter: a sum over the facet summary, not a count of rows."""
    return int(facet_counts(session, filters=filters)["__total__"])


@cached("facets", ignore=ORDER_AND_PAGE)
def facet_counts(session: Session, *, filters: ProjectFilter) -> dict[str, Any]:
    """Counts per facet value (each facet follows every filter except its own), the total, and
    the projects with an annual claim; summed from `facet_profile` (app/projects/facets.py)."""
    vocab = vocabulary(session)
    index = facets.facet_index(session)
    weights = None
    if filters.q and filters.q.strip():
        weights = _text_matches(session, q=_text_key(filters)).weights(index)
    counts = facets.summary_counts(index, _facet_query(filters, vocab), weights)
    counts["sector"] = facets.sector_totals(counts["technology"], vocab["sectors"])
    return counts


def _text_key(filters: ProjectFilter) -> str:
    return (filters.q or "").strip().lower()


@cached("text-matches")
def _text_matches(session: Session, *, q: str) -> facets.TextMatches:
    """The projects a text query matches, found once per query and dataset version."""
    from_index = text_index_query(q, _dialect(session))
    if from_index is not None and facets.rowid_profiles_ready(session):
        return facets.indexed_text_matches(session, from_index)
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
        lenders=set(filters.lender) if filters.lender else None,
    )


def _dialect(session: Session) -> str:
    return str(session.get_bind().dialect.name)


def _facet(**fields: Any) -> FacetValue:
    # Validated, not model_construct: pydantic-core checks these few plain fields in ~2.5 us,
    # model_construct's Python takes ~6.5 us (~150 values per catalogue page and API list).
    return FacetValue(**fields)


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
            VERDICT_FACET_LABELS, counts["verdict"], {v.value for v in filters.verdict}
        ),
        "lender": _lender_facet(counts["lender"], set(filters.lender), lender_names(session)),
    }


def _lender_facet(
    counts: dict[str, int], selected: set[str], names: dict[str, str]
) -> list[FacetValue]:
    """Lenders by the number of projects they financed (records and financier parties)."""
    values = [
        FacetValue(value=slug, label=names.get(slug, slug), count=n, selected=slug in selected)
        for slug, n in counts.items()
    ]
    values += [
        FacetValue(value=slug, label=names.get(slug, slug), count=0, selected=True)
        for slug in selected
        if slug not in counts
    ]
    return sorted(values, key=lambda f: (-f.count, f.label))


def _enum_facet(
    labels: dict[str, str], counts: dict[str, int], selected: set[str]
) -> list[FacetValue]:
    return [
        _facet(value=value, label=label, count=counts.get(value, 0), selected=value in selected)
        for value, label in labels.items()
        if counts.get(value, 0) or value in selected
    ]


def _row_conditions(
    session: Session,
    filters: ProjectFilter,
    rows_wanted: int | None,
    *,
    sort: SortKey | None = None,
    from_unit: str | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses that find a filter's projects through their facet profile ids.

    Which index reads the rows is chosen from the filter's total (known from the summary):
    a few matches are fetched through `project_facet_profile`'s profile index and sorted; many
    are read in the sort's own index order, each row's profile tested (after the tests of its
    own columns the profile implies), until `rows_wanted` are found
    (about rows_wanted x catalogue / total rows). `rows_wanted=None`: every match is read.
    A text query's own index lookup drives the read when there is one. `sort`: the order the
    statement reads in (default: the filter's); `from_unit`: a capacity-sorted read starts
    at that unit (see `_capacity_start`)."""
    vocab = vocabulary(session)
    query = _facet_query(filters, vocab)
    conditions: list[ColumnElement[bool]] = []
    has_text = bool(filters.q and filters.q.strip())
    if has_text:
        exact = _text_rowids(session, filters, query)
        if exact is not None:
            return [exact]
    if facets.is_filtered(query):
        index = facets.facet_index(session)
        ids, excluded = facets.matching_profiles(index, query)
        walk = False
        if rows_wanted is not None:
            total = int(facet_counts(session, filters=filters)["__total__"])
            order = sort or filters.sort
            skipped = 0 if from_unit else _rows_before(session, order, query.technologies)
            walk = rows_wanted * int(index.projects.sum()) / max(total, 1) + skipped < total
        indexed = not (walk or has_text)
        if not indexed:
            conditions += _column_tests(query)
        dialect = _dialect(session)
        conditions.append(_profile_condition(ids, excluded, indexed=indexed, dialect=dialect))
    if has_text:
        conditions += text_conditions(filters.q, _dialect(session))
    if from_unit:
        conditions += [P.c.capacity_value.is_(None) == false(), P.c.capacity_unit >= from_unit]
    return conditions


def _rows_before(session: Session, sort: SortKey, technologies: set[str] | None) -> int:
    """Rows a walk in `sort`'s index order reads before the first row that can match, beyond
    the even spread the walk's estimate assumes: a capacity sort (unit first, then value)
    reads every row of the units sorting before the technologies' own first unit (transport's
    km come after all the MW of energy)."""
    if sort not in (SortKey.capacity, SortKey.capacity_desc) or not technologies:
        return 0
    counts = _capacity_units(session)
    first = _first_unit(counts, technologies)
    return sum(n for (_t, unit), n in counts.items() if first and unit < first)


def _first_unit(counts: dict[tuple[str, str], int], technologies: set[str]) -> str | None:
    return min((unit for (t, unit) in counts if t in technologies), default=None)


def _capacity_start(session: Session, filters: ProjectFilter) -> str | None:
    """The unit a capacity-sorted page of some technologies is read from, when rows of other
    units sort before it: the read then starts there, through the sort index's leading
    (no-capacity, unit) columns, instead of walking past them (~1 s at 1M projects for
    transport). SQLite only: PostgreSQL orders units by its collation, not code points.
    None: read as usual."""
    capacity = filters.sort in (SortKey.capacity, SortKey.capacity_desc)
    text = bool(filters.q and filters.q.strip())
    if not capacity or not filters.sector or text or _dialect(session) != "sqlite":
        return None
    technologies = set(_technologies(filters.sector, vocabulary(session)))
    if not _rows_before(session, filters.sort, technologies):
        return None
    return _first_unit(_capacity_units(session), technologies)


@cached("capacity-units")
def _capacity_units(session: Session) -> dict[tuple[str, str], int]:
    """Projects with a capacity unit, per technology and unit (a few dozen rows; read from
    ix_project_technology_unit alone)."""
    # Rows with a unit but no value (none are loaded) would only make the walk look dearer.
    statement = (
        select(P.c.technology_slug, P.c.capacity_unit, func.count())
        .with_hint(P, "INDEXED BY ix_project_technology_unit", "sqlite")  # the planner took
        # the name index at 1M projects and read every row (3 s)
        .where(P.c.capacity_unit.is_not(None))
        .group_by(P.c.technology_slug, P.c.capacity_unit)
    )
    return {(t, u): int(n) for t, u, n in session.connection().execute(statement)}


FETCH_BY_ROWID_MAX = 5000


def _text_rowids(
    session: Session, filters: ProjectFilter, query: facets.FacetQuery
) -> ColumnElement[bool] | None:
    """SQLite, text query: `rowid IN (...)` of exactly the matching projects when they are
    few (known from the cached text matches), so the page neither searches nor tests again."""
    matches = _text_matches(session, q=_text_key(filters))
    if matches.rowids is None:
        return None
    index = facets.facet_index(session)
    rowids = matches.rowids[facets.kept(index, query)[matches.profiles]]
    if len(rowids) > FETCH_BY_ROWID_MAX:
        return None
    if not len(rowids):
        return literal_column("1 = 0")
    return _in_list("project.rowid", "rowids", rowids, excluded=False, dialect="sqlite")


def _column_tests(query: facets.FacetQuery) -> list[ColumnElement[bool]]:
    """Tests of the project row's own columns that the profile implies, for rows read in
    sort order: they turn most non-matching rows away before the profile lookup. `|| ''`
    keeps the planner on the sort's index (they are tests here, not a way in)."""
    tests: list[ColumnElement[bool]] = []
    for values, column in (
        (query.technologies, "technology_slug"),
        (query.statuses, "status"),
        (query.kinds, "kind"),
    ):
        if values:
            listed = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))
            tests.append(literal_column(f"(project.{column} || '') IN ({listed})"))
    return tests


def _profile_condition(
    ids: list[int], excluded: bool, *, indexed: bool, dialect: str
) -> ColumnElement[bool]:
    """The projects whose facet profile is [not] one of `ids`. `indexed`: the profile index of
    `project_facet_profile` drives the read (a few matches); otherwise each row read in the
    sort's order looks its profile up there (one seek: keyed by slug)."""
    if not ids:
        return literal_column("1 = 1") if excluded else literal_column("1 = 0")
    if indexed and not excluded:
        found = _in_list("facet_profile_id", "profile_ids", ids, excluded=False, dialect=dialect)
        return P.c.slug.in_(select(PFP.c.project_slug).where(found))
    profile = (
        "(SELECT facet_profile_id FROM project_facet_profile WHERE project_slug = project.slug)"
    )
    return _in_list(profile, "profile_ids", ids, excluded=excluded, dialect=dialect)


def _in_list(
    column: str, name: str, ids: Iterable[int], *, excluded: bool, dialect: str
) -> ColumnElement[bool]:
    """`column [NOT] IN` a list of integers from the summary, bound as ONE parameter (a JSON
    array on SQLite, an array on PostgreSQL). Inlined, thousands of ids made every statement
    new text for SQLAlchemy's and SQLite's statement caches: 2x the cost of the query."""
    if dialect == "sqlite":
        sql = f"{column} {'NOT IN' if excluded else 'IN'} (SELECT value FROM json_each(:{name}))"
        return text(sql).bindparams(bindparam(name, _json_ids(ids))).self_group()  # type: ignore[return-value]
    sql = f"{column} {'<> ALL' if excluded else '= ANY'}(:{name})"
    return text(sql).bindparams(bindparam(name, [int(i) for i in ids])).self_group()  # type: ignore[return-value]


# The columns a catalogue row shows (not the long texts, geometry and search text).
SUMMARY_COLUMNS = [
    P.c[name]
    for name in (*ProjectSummary.model_fields, "sector_slug", "technology_slug")
    if name in P.c
]


# Built once, the slugs bound at execution: an `in_()` of a list built per request left a
# reference cycle (a parameter and its clone) for the cyclic collector every time.
_COUNTRIES_OF = (
    select(PC.c.project_slug, PC.c.country_iso3)
    .where(PC.c.project_slug.in_(bindparam("slugs", expanding=True)))
    .order_by(PC.c.country_iso3)
)


def _page_rows(session: Session, filters: ProjectFilter) -> list[ProjectSummary]:
    vocab = vocabulary(session)
    conn = session.connection()
    rowids = _page_rowids(session, filters)
    if rowids is not None:
        found = _rows_by_rowid(conn, rowids, countries=True)
        return [_summary(row, row["countries"], vocab) for row in found]
    start = _capacity_start(session, filters)
    rows = conn.execute(_page_statement(session, filters, start)).mappings().all()
    if start and len(rows) < filters.per_page:  # the page reaches rows with no capacity
        rows = conn.execute(_page_statement(session, filters, None)).mappings().all()
    slugs = [row["slug"] for row in rows]
    countries: dict[str, list[str]] = defaultdict(list)
    if slugs:
        for slug, iso3 in conn.execute(_COUNTRIES_OF, {"slugs": slugs}):
            countries[slug].append(iso3)
    return [_summary(row, countries[row["slug"]], vocab) for row in rows]


def _page_rowids(session: Session, filters: ProjectFilter) -> Rowids | None:
    """SQLite, once its sort orders are read: the rowids of the page, in order, from the
    sort's order and the filter's masks (app/projects/page_order.py); None: read by SQL."""
    skip = (filters.page - 1) * filters.per_page
    total = count_projects(session, filters=filters)
    return _rowids_in_order(session, filters, filters.sort, skip, filters.per_page, total)


def _rowids_in_order(
    session: Session,
    filters: ProjectFilter,
    key: SortKey,
    skip: int,
    count: int,
    total: int,
    *,
    claimed: bool = False,
) -> Rowids | None:
    """Rowids of the `count` matches after `skip` in `key`'s order (`total`: how many match;
    `claimed`: only projects with an annual CO2 claim), or None while the orders are read."""
    order = page_orders(session, key)
    if order is None:
        return None
    if skip >= total:
        return np.zeros(0, dtype=np.int32)
    index = facets.facet_index(session)
    keep = facets.kept(index, _facet_query(filters, vocabulary(session)))
    passes = page_order.profile_test(session, keep & index.claimed if claimed else keep)
    if filters.q and filters.q.strip():
        matches = _text_matches(session, q=_text_key(filters)).rowids
        assert matches is not None  # SQLite's text matches carry their rowids
        passes = page_order.among(matches, len(facets.rowid_profiles(session)), passes)
    return page_order.first_matches(order, passes, skip + count, total / len(order))[skip:]


def page_orders(session: Session, key: SortKey = SortKey.name) -> Rowids | None:
    """SQLite: `key`'s order of every project, or None while they are read (this call
    starts reading them all for the dataset version: the app calls it as it starts)."""
    return page_order.sort_order(session, key, _full_order)


def _full_order(key: SortKey) -> list[Any]:
    return [*SORT_COLUMNS[key], P.c.slug]


def _rows_by_rowid(
    conn: Any, rowids: Rowids, columns: Sequence[Any] = (), *, countries: bool = False
) -> list[dict[str, Any]]:
    """The rows of `rowids` (catalogue `columns`, by default a card's; with `countries`, each
    row's ISO3 codes in order under "countries"), in that order. One statement, read through
    the driver's cursor: SQLAlchemy's statement building and row objects cost more than
    SQLite's read of 50 rows (issue 11). Values come as SQLite stores them (dates as ISO
    text, enums as their values); the pydantic models they go into read those."""
    if not len(rowids):
        return []
    names = [c.name for c in columns or SUMMARY_COLUMNS]
    cursor = conn.connection.driver_connection.cursor()
    try:
        found = cursor.execute(_rows_sql(tuple(names), countries), (_json_ids(rowids.tolist()),))
        rows = {row[-1]: row for row in found}
    finally:
        cursor.close()
    out = []
    for i in rowids.tolist():
        if i in rows:
            row = dict(zip(names, rows[i], strict=False))
            if countries:
                row["countries"] = sorted((rows[i][-2] or "").split())
            out.append(row)
    return out


@lru_cache(maxsize=16)
def _rows_sql(names: tuple[str, ...], countries: bool) -> str:
    listed = ", ".join(f'project."{name}"' for name in names)
    if countries:
        listed += (", (SELECT group_concat(country_iso3, ' ') FROM project_country"
                   " WHERE project_slug = project.slug)")  # fmt: skip
    return (f"SELECT {listed}, project.rowid FROM project"
            " WHERE project.rowid IN (SELECT value FROM json_each(?))")  # fmt: skip


def _json_ids(ids: Iterable[int]) -> str:
    """Integers as one JSON array: SQLite's `json_each(?)` reads it as one bound value."""
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _page_statement(session: Session, filters: ProjectFilter, from_unit: str | None) -> Select[Any]:
    """One page in the filter's sort order; read from `from_unit` on, only projects with a
    capacity, whose order then needs no 'no capacity last' key (the planner then reads the
    sort index in order instead of sorting)."""
    wanted = filters.page * filters.per_page
    order = SORT_COLUMNS[filters.sort][1:] if from_unit else SORT_COLUMNS[filters.sort]
    return (
        select(*SUMMARY_COLUMNS)
        .where(*_row_conditions(session, filters, wanted, from_unit=from_unit))
        .order_by(*order, P.c.slug)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )


def _summary(row: Any, countries: list[str], vocab: dict[str, Any]) -> ProjectSummary:
    technology = row["technology_slug"]
    name = vocab["sectors"].get(technology, (technology, None))[0]
    return ProjectSummary.from_row(row, technology_name=name, countries=countries)


@cached("slugs", ignore=("page", "per_page"))
def all_matching_slugs(
    session: Session, *, filters: ProjectFilter, limit: int = 100_000
) -> tuple[str, ...]:
    """Slugs of every project matching the filter, in sort order (for exports and charts)."""
    validate_filter(session, filters)
    statement = (
        select(P.c.slug)
        .where(*_row_conditions(session, filters, None))
        .order_by(*SORT_COLUMNS[filters.sort], P.c.slug)
        .limit(limit)
    )
    return tuple(row[0] for row in session.connection().execute(statement))


def matching_projects_query(session: Session, filters: ProjectFilter) -> Select[Any]:
    """Every project matching the filter, in its sort order (downloads stream this)."""
    validate_filter(session, filters)
    return (
        select(P)
        .where(*_row_conditions(session, filters, None))
        .order_by(*SORT_COLUMNS[filters.sort], P.c.slug)
    )


class TopClaims(BaseModel):
    """The largest annual CO2 claims among the projects a filter matches, and how many there are."""

    rows: list[dict[str, Any]]
    total: int = Field(description="Matching projects that have an annual tonnes claim")


@cached("top-claims", ignore=ORDER_AND_PAGE)
def top_claims(session: Session, *, filters: ProjectFilter, limit: int = 20) -> TopClaims:
    """The `limit` matching projects with the largest annual CO2 claim, largest first, and
    the number of matching projects with such a claim (the chart shows a bounded top list)."""
    validate_filter(session, filters)
    total = int(facet_counts(session, filters=filters)["__claimed__"] or 0)
    columns = (P.c.slug, P.c.name, P.c.sector_slug, P.c.claimed_tco2_per_year)
    conn = session.connection()
    key = SortKey.claimed_desc  # ties in slug order, as the catalogue's sort
    rowids = _rowids_in_order(session, filters, key, 0, limit, total, claimed=True)
    rows: Sequence[Any]
    if rowids is not None:
        rows = _rows_by_rowid(conn, rowids, columns)
    else:
        conditions = [
            *_row_conditions(session, filters, limit, sort=key),
            P.c.claimed_tco2_per_year.is_not(None),
        ]
        statement = select(*columns).where(*conditions).order_by(*_full_order(key))
        rows = conn.execute(statement.limit(limit)).mappings().all()
    return TopClaims(rows=[{c.name: r[c.name] for c in columns} for r in rows], total=total)
