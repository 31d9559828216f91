"""Facet counts and totals from a summary table, for any filter, without scanning projects.

`facet_profile` (kept by the loader, `rebuild_catalogue_summaries`) holds one row per distinct
combination of a project's facet values — technology, status, kind, its set of countries, its
set of claim-check verdicts, its set of lenders, whether it has an annual CO2 claim — with the
number of projects that share it. `project_facet_profile` points every project at its row.

A process reads the table once per dataset version into numpy arrays (`FacetIndex`). A filter
then becomes one boolean mask per facet over the profiles, and a facet's counts are a weighted
`bincount` of the profiles that pass every *other* facet's mask: a sum over at most a few tens
of thousands of profiles, whatever the number of projects. Multi-valued facets (countries,
regions, verdicts, lenders) are held as (profile, value) pairs, so a project in two countries counts
once in the total and once in each country, as the row queries counted it.

Only a text query (`q`) needs the projects themselves: the matching projects (found once per
query through the text index, `app/projects/search.py`, and cached) are counted per profile,
and those counts replace the profiles' weights.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, cast

import numpy as np
from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app import models as m
from app.queries.cache import per_version

P = m.Project.__table__  # type: ignore[attr-defined]
FP = m.FacetProfile.__table__  # type: ignore[attr-defined]
PFP = m.ProjectFacetProfile.__table__  # type: ignore[attr-defined]

Mask = np.ndarray[Any, np.dtype[np.bool_]]
Ints = np.ndarray[Any, np.dtype[np.int64]]

# ---------------------------------------------------------------- the summary (loader side)

# One row per project with its facet values; sets are sorted and space-joined so that equal
# sets compare equal as text. The aggregates differ by dialect; the rest is shared SQL.
# A project's lenders are those `app/financing/queries.py:lender_condition` filters on: the
# lender of a financing record, or a party with the financier role.
_LENDERS = (
    "SELECT lender_slug AS lender FROM financing "
    "WHERE project_slug = p.slug AND lender_slug IS NOT NULL "
    "UNION SELECT organization_slug FROM project_party "
    "WHERE project_slug = p.slug AND role = 'financier'"
)
_SETS = {
    "sqlite": (
        "coalesce((SELECT group_concat(country_iso3, ' ') FROM (SELECT country_iso3 "
        "FROM project_country WHERE project_slug = p.slug ORDER BY country_iso3)), '')",
        "coalesce((SELECT group_concat(verdict, ' ') FROM (SELECT DISTINCT verdict "
        "FROM claim_check WHERE project_slug = p.slug ORDER BY verdict)), '')",
        f"coalesce((SELECT group_concat(lender, ' ') FROM ({_LENDERS} ORDER BY 1)), '')",
    ),
    "postgresql": (
        "coalesce((SELECT string_agg(country_iso3, ' ' ORDER BY country_iso3) "
        "FROM project_country WHERE project_slug = p.slug), '')",
        "coalesce((SELECT string_agg(DISTINCT verdict::text, ' ' ORDER BY verdict::text) "
        "FROM claim_check WHERE project_slug = p.slug), '')",
        f"coalesce((SELECT string_agg(lender, ' ' ORDER BY lender) FROM ({_LENDERS}) AS l), '')",
    ),
}
_KEY = "technology_slug, status, kind, countries, verdicts, lenders, claimed"
_SAME_PROFILE = " AND ".join(f"f.{c} = t.{c}" for c in _KEY.split(", "))


def rebuild_facet_profiles(conn: Connection) -> None:
    """Recount `facet_profile` from the base tables and point every project at its row.

    Set-based SQL, a few seconds at a million projects; run inside the load's transaction
    after the claim checks. Profile ids follow the profiles' sort order, so reloading the
    same data leaves every project's id as it was (only changed rows are written)."""
    _profile_of_each_project(conn)
    conn.execute(FP.delete())
    conn.exec_driver_sql(
        f"INSERT INTO facet_profile (id, {_KEY}, projects) "
        f"SELECT row_number() OVER (ORDER BY {_KEY}), {_KEY}, count(*) "
        f"FROM facet_profile_of_project GROUP BY {_KEY}"
    )
    _point_projects(conn)
    conn.exec_driver_sql("DROP TABLE facet_profile_of_project")


def _profile_of_each_project(conn: Connection) -> None:
    """A temporary table of every project's facet values (its profile's key)."""
    countries, verdicts, lenders = _SETS[conn.dialect.name]
    conn.exec_driver_sql("DROP TABLE IF EXISTS facet_profile_of_project")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE facet_profile_of_project AS "
        "SELECT p.slug AS slug, p.technology_slug AS technology_slug, "
        "coalesce(p.status, '') AS status, p.kind AS kind, "
        f"{countries} AS countries, {verdicts} AS verdicts, {lenders} AS lenders, "
        "p.claimed_tco2_per_year IS NOT NULL AS claimed FROM project AS p"
    )


def _point_projects(conn: Connection) -> None:
    """Write `project_facet_profile` (project -> profile id): only the pairs that changed are
    deleted and inserted, into a narrow table of its own. Updating `project` rows instead
    rewrote every row and each of its indexes on PostgreSQL (the trigram index too)."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS facet_profile_pairs")
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE facet_profile_pairs AS "
        "SELECT t.slug AS project_slug, f.id AS facet_profile_id "
        f"FROM facet_profile_of_project AS t JOIN facet_profile AS f ON {_SAME_PROFILE}"
    )
    conn.exec_driver_sql("CREATE INDEX facet_pairs_of ON facet_profile_pairs (project_slug)")
    conn.exec_driver_sql(
        "DELETE FROM project_facet_profile WHERE NOT EXISTS (SELECT 1 FROM facet_profile_pairs "
        "AS n WHERE n.project_slug = project_facet_profile.project_slug "
        "AND n.facet_profile_id = project_facet_profile.facet_profile_id)"
    )
    conn.exec_driver_sql(
        "INSERT INTO project_facet_profile (project_slug, facet_profile_id) "
        "SELECT project_slug, facet_profile_id FROM facet_profile_pairs AS n WHERE NOT EXISTS "
        "(SELECT 1 FROM project_facet_profile AS o WHERE o.project_slug = n.project_slug) "
        "ORDER BY project_slug"
    )
    conn.exec_driver_sql("DROP TABLE facet_profile_pairs")


def rebuild_catalogue_summaries(conn: Connection) -> None:
    """Everything the catalogue reads instead of scanning: facet profiles, the text index and
    the claims each card shows."""
    from app.projects.search import rebuild_search_index
    from app.queries.claim_summary import rebuild_claim_summaries

    rebuild_facet_profiles(conn)
    rebuild_search_index(conn)
    rebuild_claim_summaries(conn)


# ---------------------------------------------------------------- the index (request side)


def _chosen_codes(labels: list[str], chosen: set[str]) -> Mask:
    """A lookup table, code -> chosen?; indexing it by the codes is one pass (np.isin sorts)."""
    table = np.zeros(len(labels), dtype=bool)
    table[[i for i, label in enumerate(labels) if label in chosen]] = True
    return table


@dataclass
class _Pairs:
    """A multi-valued facet: parallel arrays of profile index and value code."""

    profile: Ints
    code: Ints
    labels: list[str]

    def mask(self, size: int, chosen: set[str]) -> Mask:
        out = np.zeros(size, dtype=bool)
        out[self.profile[_chosen_codes(self.labels, chosen)[self.code]]] = True
        return out

    def counts(self, weights: Ints) -> dict[str, int]:
        sums = np.bincount(self.code, weights=weights[self.profile], minlength=len(self.labels))
        return _nonzero(self.labels, sums)


@dataclass
class _Column:
    """A single-valued facet: one value code per profile."""

    code: Ints
    labels: list[str]

    def mask(self, chosen: set[str]) -> Mask:
        return _chosen_codes(self.labels, chosen)[self.code]

    def counts(self, weights: Ints) -> dict[str, int]:
        sums = np.bincount(self.code, weights=weights, minlength=len(self.labels))
        counts = _nonzero(self.labels, sums)
        counts.pop("", None)  # no value (a project without a status)
        return counts


def _nonzero(labels: list[str], sums: np.ndarray[Any, Any]) -> dict[str, int]:
    """label -> count of the labels counted; indexes and counts leave numpy as Python lists
    (a loop over numpy scalars cost ~40 us a facet)."""
    found = np.flatnonzero(sums > 0)
    counts = sums[found].astype(np.int64).tolist()
    return dict(zip([labels[i] for i in found.tolist()], counts, strict=True))


@dataclass
class FacetIndex:
    """The summary table of one dataset version as arrays."""

    ids: Ints
    projects: Ints
    claimed: Mask
    columns: dict[str, _Column] = field(default_factory=dict)
    pairs: dict[str, _Pairs] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.ids)


def _encode(values: list[str]) -> tuple[Ints, list[str]]:
    labels = sorted(set(values))
    code = {label: i for i, label in enumerate(labels)}
    return np.array([code[v] for v in values], dtype=np.int64), labels


def _pairs(sets: list[list[str]]) -> _Pairs:
    profile = [i for i, values in enumerate(sets) for _ in values]
    codes, labels = _encode([v for values in sets for v in values])
    return _Pairs(np.array(profile, dtype=np.int64), codes, labels)


def facet_index(session: Session) -> FacetIndex:
    """The summary of the session's dataset version, read once per version and process."""
    return cast(FacetIndex, _facet_indexes.get(session))


def _facet_index(session: Session) -> FacetIndex:
    """Read `facet_profile` (85k profiles, 1.6 s, 11 MB at 1M projects)."""
    from app.places.vocabulary import vocabulary

    rows = session.connection().execute(select(FP).order_by(FP.c.id)).mappings().all()
    countries = vocabulary(session)["countries_regions"]
    country_sets = [r["countries"].split() for r in rows]
    index = FacetIndex(
        ids=np.array([r["id"] for r in rows], dtype=np.int64),
        projects=np.array([r["projects"] for r in rows], dtype=np.int64),
        claimed=np.array([bool(r["claimed"]) for r in rows], dtype=bool),
    )
    for name, column in (("technology", "technology_slug"), ("status", "status"), ("kind", "kind")):
        index.columns[name] = _Column(*_encode([str(r[column]) for r in rows]))
    index.pairs["country"] = _pairs(country_sets)
    index.pairs["verdict"] = _pairs([r["verdicts"].split() for r in rows])
    index.pairs["lender"] = _pairs([r["lenders"].split() for r in rows])
    for level, position in (("region", 0), ("subregion", 1)):
        index.pairs[level] = _pairs(
            [
                sorted({countries[c][position] for c in cs if countries.get(c, ("", ""))[position]})
                for cs in country_sets
            ]
        )
    return index


_facet_indexes = per_version(_facet_index)


@dataclass
class TextMatches:
    """The projects a text query matches: their profile's position in the FacetIndex and,
    on SQLite, their rowids (so a narrow filter fetches exactly them, no second search)."""

    profiles: Ints
    rowids: Ints | None

    def weights(self, index: FacetIndex) -> Ints:
        return np.bincount(self.profiles, minlength=index.size).astype(np.int64)


def text_matches(session: Session, index: FacetIndex, conditions: list[Any]) -> TextMatches:
    """Run a text query once (through the text index) and place its matches on the profiles."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    key: Any = literal_column("project.rowid") if sqlite else literal_column("0")
    statement = (
        select(PFP.c.facet_profile_id, key)
        .select_from(P.outerjoin(PFP, PFP.c.project_slug == P.c.slug))
        .where(*conditions)
    )
    found = session.connection().execute(statement).all()
    ids = np.array([i if i is not None else -1 for i, _r in found], dtype=np.int64)
    positions = np.searchsorted(index.ids, ids)
    known = (positions < index.size) & (index.ids[np.minimum(positions, index.size - 1)] == ids)
    rowids = np.array([r for _i, r in found], dtype=np.int64)[known] if sqlite else None
    return TextMatches(profiles=positions[known].astype(np.int64), rowids=rowids)


def indexed_text_matches(session: Session, index_query: Any) -> TextMatches:
    """SQLite: the rowids the trigram index answers `index_query` with, placed on the profiles
    through `profile_of_rowid`. The index's LIKE is exact, so neither the project rows nor
    their profile rows are read: half the cost of a text query (issue 11)."""
    rowids = _joined_ints(session, index_query)
    profile_of = rowid_profiles(session)
    rowids = rowids[rowids < len(profile_of)]
    profiles = profile_of[rowids]
    known = profiles >= 0
    return TextMatches(profiles=profiles[known], rowids=rowids[known])


def _joined_ints(session: Session, statement: Any) -> Ints:
    """The integers of a one-column statement, joined by SQLite into one text: one step of the
    statement instead of one per row. The driver lets go of the GIL for every step, and under
    load each step waited to take it back, so a query matching thousands of rows took several
    times its own time (issue 11). The column is swapped in place, not wrapped in a
    subquery: a subquery's objects refer to each other, and each one left a few dozen
    objects for the cyclic collector (most of what requests left it)."""
    joined_column = func.group_concat(statement.selected_columns[0])
    joined = session.connection().execute(statement.with_only_columns(joined_column)).scalar()
    return np.array(joined.split(","), dtype=np.int64) if joined else np.empty(0, np.int64)


def rowid_profiles(session: Session) -> Ints:
    """SQLite: each project's profile position in the FacetIndex, by project rowid (-1: no
    project or no profile), for every rowid up to the largest; read once per dataset version
    (0.8 MB at 100k projects)."""
    return cast(Ints, _rowid_profiles.get(session))


def rowid_profiles_ready(session: Session) -> bool:
    """Whether `rowid_profiles` is read for this version (the server reads it as it starts;
    at 1M projects that takes seconds, which a text query should not wait for)."""
    return _rowid_profiles.peek(session) is not None


def _read_rowid_profiles(session: Session) -> Ints:
    index = facet_index(session)
    statement = select(literal_column("project.rowid"), PFP.c.facet_profile_id).select_from(
        P.join(PFP, PFP.c.project_slug == P.c.slug)
    )
    pairs = integers(session.connection(), statement, np.int64).reshape(-1, 2)
    rowids, ids = pairs[:, 0], pairs[:, 1]
    # Sized by every project's rowid: the catalogue's sort orders index it with any of them.
    last = session.connection().execute(select(func.max(literal_column("project.rowid")))
                                        .select_from(P)).scalar()  # fmt: skip
    out = np.full(int(last or 0) + 1, -1, dtype=np.int64)
    positions = np.searchsorted(index.ids, ids)
    known = (positions < index.size) & (index.ids[np.minimum(positions, index.size - 1)] == ids)
    out[rowids[known]] = positions[known]
    return out


_rowid_profiles = per_version(_read_rowid_profiles)


def integers(conn: Connection, statement: Any, dtype: Any) -> np.ndarray[Any, Any]:
    """The integer columns of every row of `statement`, flat, read through the driver's
    cursor: SQLAlchemy's row objects cost several times the read itself, ~10 s for the
    million rows of rowid -> profile at 1M projects. Values are inlined into the SQL: only
    for statements that carry none from a request."""
    sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return np.fromiter(chain.from_iterable(cursor.execute(sql)), dtype=dtype)
    finally:
        cursor.close()


@dataclass
class FacetQuery:
    """Which values each facet is restricted to (empty: not filtered)."""

    technologies: set[str] | None = None
    countries: set[str] | None = None
    regions: set[str] | None = None  # region or subregion names
    statuses: set[str] | None = None
    kinds: set[str] | None = None
    verdicts: set[str] | None = None
    lenders: set[str] | None = None


def _masks(index: FacetIndex, query: FacetQuery) -> dict[str, Mask]:
    masks: dict[str, Mask] = {}
    if query.technologies is not None:
        masks["sector"] = index.columns["technology"].mask(query.technologies)
    if query.countries is not None:
        masks["country"] = index.pairs["country"].mask(index.size, query.countries)
    if query.regions is not None:
        masks["region"] = index.pairs["region"].mask(index.size, query.regions) | index.pairs[
            "subregion"
        ].mask(index.size, query.regions)
    if query.statuses is not None:
        masks["status"] = index.columns["status"].mask(query.statuses)
    if query.kinds is not None:
        masks["kind"] = index.columns["kind"].mask(query.kinds)
    if query.verdicts is not None:
        masks["verdict"] = index.pairs["verdict"].mask(index.size, query.verdicts)
    if query.lenders is not None:
        masks["lender"] = index.pairs["lender"].mask(index.size, query.lenders)
    return masks


def _passing(weights: Ints, masks: dict[str, Mask], skip: str | None = None) -> Ints:
    """`weights` of the profiles that pass every mask except `skip`'s (others are zero)."""
    out = weights
    for name, mask in masks.items():
        if name != skip:
            out = np.where(mask, out, 0)
    return out


def summary_counts(
    index: FacetIndex, query: FacetQuery, weights: Ints | None = None
) -> dict[str, Any]:
    """Total, projects with an annual claim, and every facet's counts (each facet following
    every filter except its own), in the shape the catalogue's facets read."""
    weights = index.projects if weights is None else weights
    masks = _masks(index, query)
    everything = _passing(weights, masks)

    def passing(skip: str) -> Ints:  # a facet not filtered on follows every filter
        return _passing(weights, masks, skip) if skip in masks else everything

    by_region = passing("region")
    return {
        "__total__": int(everything.sum()),
        "__claimed__": int(everything[index.claimed].sum()),
        "technology": index.columns["technology"].counts(passing("sector")),
        "country": index.pairs["country"].counts(passing("country")),
        "region": index.pairs["region"].counts(by_region),
        "subregion": index.pairs["subregion"].counts(by_region),
        "status": index.columns["status"].counts(passing("status")),
        "kind": index.columns["kind"].counts(passing("kind")),
        "verdict": index.pairs["verdict"].counts(passing("verdict")),
        "lender": index.pairs["lender"].counts(passing("lender")),
    }


def sector_totals(technology: dict[str, int], parent_of: dict[str, Any]) -> dict[str, int]:
    """Counts per sector: the sum of its technologies' counts."""
    totals: dict[str, int] = defaultdict(int)
    for slug, n in technology.items():
        parent = parent_of.get(slug, ("", None))[1]
        if parent:
            totals[parent] += n
    return dict(totals)


def is_filtered(query: FacetQuery) -> bool:
    return any(v is not None for v in vars(query).values())


def kept(index: FacetIndex, query: FacetQuery) -> Mask:
    """Which profiles pass every facet filter."""
    keep = np.ones(index.size, dtype=bool)
    for mask in _masks(index, query).values():
        keep &= mask
    return keep


def matching_profiles(index: FacetIndex, query: FacetQuery) -> tuple[list[int], bool]:
    """The profile ids a filter keeps, or those it drops when that list is shorter: (ids,
    True) means "every profile but these"."""
    keep = kept(index, query)
    if int(keep.sum()) * 2 > index.size:
        return index.ids[~keep].tolist(), True
    return index.ids[keep].tolist(), False
