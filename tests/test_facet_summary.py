"""Facet counts summed from `facet_profile` equal counts taken from the base tables.

The expected counts are computed here by brute force in Python from the projects, their
countries, regions, claim checks and lenders (financing records and financier parties), with
the catalogue's rule (each facet follows every filter except its own), for a few hundred
filter combinations on the seed plus a generated dataset with financing loaded on top of it
(a second load, so the loader's rebuild is exercised). Runs on SQLite and, with
BRI_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import csv
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import models as m
from app.places.vocabulary import slugify
from app.projects import catalogue, facets, page_order
from app.projects.catalogue import all_matching_slugs, facet_counts, list_projects, top_claims
from app.projects.filter import ProjectFilter, SortKey
from app.projects.search import text_conditions, text_index_query
from app.queries import cache
from tests.helpers import seed_plus_generated

FACETS = ("sector", "country", "region", "status", "kind", "verdict", "lender")
COMBINATIONS = 250


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = seed_plus_generated(tmp_path_factory.mktemp("summary"), "summary", 600, _add_lenders)
    yield engine
    engine.dispose()


def _add_lenders(folder: Path) -> None:
    """Financing records and financier parties for the generated projects: none, one or
    several lenders each, some named twice (by two records, or by a record and a party)."""
    rng = random.Random(14)
    with (folder / "organizations.csv").open() as handle:
        organizations = [row["slug"] for row in csv.DictReader(handle)][:12]
    with (folder / "projects.csv").open() as handle:
        projects = [row["slug"] for row in csv.DictReader(handle)]
    records, parties = [], []
    for project in projects:
        lenders = rng.sample(organizations, rng.choice([0, 0, 1, 1, 2, 3]))
        for lender in lenders:
            records += [{"project": project, "lender": lender}] * rng.choice([1, 1, 2])
        if rng.random() < 0.1:
            records.append({"project": project, "lender": ""})  # a record naming no lender
        financiers = {lender for lender in lenders if rng.random() < 0.2}
        if rng.random() < 0.1:
            financiers.add(rng.choice(organizations))  # a lender known only as a party
        parties += [
            {"project": project, "organization": o, "role": "financier"} for o in sorted(financiers)
        ]
    _write_csv(
        folder / "financing.csv",
        [
            {**r, "slug": f"loan-{i}", "title": f"Loan {i}", "source": "bench-source-0000"}
            for i, r in enumerate(records)
        ],
    )
    _write_csv(folder / "project_parties.csv", parties)


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _projects(engine: Engine) -> list[dict[str, Any]]:
    """Every project with its facet values, read from the base tables."""
    P, PC, C, CC, S, F, PP = (
        t.__table__  # type: ignore[attr-defined]
        for t in (
            m.Project, m.ProjectCountry, m.Country, m.ClaimCheck, m.Sector, m.Financing,
            m.ProjectParty,
        )
    )  # fmt: skip
    with engine.connect() as conn:
        parents = dict(conn.execute(select(S.c.slug, S.c.parent_slug)).all())
        regions = {
            iso3: (region, subregion)
            for iso3, region, subregion in conn.execute(select(C.c.iso3, C.c.region, C.c.subregion))
        }
        countries: dict[str, set[str]] = defaultdict(set)
        for slug, iso3 in conn.execute(select(PC.c.project_slug, PC.c.country_iso3)):
            countries[slug].add(iso3)
        verdicts: dict[str, set[str]] = defaultdict(set)
        for slug, verdict in conn.execute(select(CC.c.project_slug, CC.c.verdict)):
            verdicts[slug].add(str(getattr(verdict, "value", verdict)))
        lenders: dict[str, set[str]] = defaultdict(set)
        for slug, lender in conn.execute(select(F.c.project_slug, F.c.lender_slug)):
            if lender:
                lenders[slug].add(lender)
        for slug, organization, role in conn.execute(
            select(PP.c.project_slug, PP.c.organization_slug, PP.c.role)
        ):
            if str(getattr(role, "value", role)) == "financier":
                lenders[slug].add(organization)
        rows = conn.execute(select(P)).mappings().all()
    projects = []
    for row in rows:
        slug = row["slug"]
        codes = countries[slug]
        projects.append(
            {
                "slug": slug,
                "technology": row["technology_slug"],
                "sector": parents[row["technology_slug"]],
                "status": str(getattr(row["status"], "value", row["status"] or "")),
                "kind": str(getattr(row["kind"], "value", row["kind"])),
                "country": codes,
                "region": {regions[c][0] for c in codes if regions[c][0]},
                "subregion": {regions[c][1] for c in codes if regions[c][1]},
                "verdict": verdicts[slug],
                "lender": lenders[slug],
                "claimed": row["claimed_tco2_per_year"] is not None,
                "text": row["search_text"],
            }
        )
    return projects


def _passes(project: dict[str, Any], filters: ProjectFilter, skip: str | None = None) -> bool:
    tests = {
        "sector": lambda: bool({project["technology"], project["sector"]} & set(filters.sector)),
        "country": lambda: bool(project["country"] & {c.upper() for c in filters.country}),
        "region": lambda: bool(
            {slugify(r) for r in project["region"] | project["subregion"]} & set(filters.region)
        ),
        "status": lambda: project["status"] in {s.value for s in filters.status},
        "kind": lambda: project["kind"] in {k.value for k in filters.kind},
        "verdict": lambda: bool(project["verdict"] & {v.value for v in filters.verdict}),
        "lender": lambda: bool(project["lender"] & set(filters.lender)),
    }
    for facet, test in tests.items():
        if facet != skip and getattr(filters, facet) and not test():
            return False
    words = (filters.q or "").lower().split()[:8]
    return all(word in project["text"] for word in words)


def _expected(projects: list[dict[str, Any]], filters: ProjectFilter) -> dict[str, Any]:
    def count(facet: str, key: str) -> dict[str, int]:
        counter: Counter[str] = Counter()
        for p in projects:
            if _passes(p, filters, skip=facet):
                values = p[key] if isinstance(p[key], set) else {p[key]}
                counter.update(v for v in values if v)
        return dict(counter)

    matching = [p for p in projects if _passes(p, filters)]
    return {
        "__total__": len(matching),
        "__claimed__": sum(p["claimed"] for p in matching),
        "technology": count("sector", "technology"),
        "sector": count("sector", "sector"),
        "country": count("country", "country"),
        "region": count("region", "region"),
        "subregion": count("region", "subregion"),
        "status": count("status", "status"),
        "kind": count("kind", "kind"),
        "verdict": count("verdict", "verdict"),
        "lender": count("lender", "lender"),
    }


def _combinations(projects: list[dict[str, Any]]) -> Iterator[ProjectFilter]:
    """Filters of one to four facets, one or two values each, some with a text query."""
    rng = random.Random(11)
    values = {
        "sector": sorted({p["technology"] for p in projects} | {p["sector"] for p in projects}),
        "country": sorted({c for p in projects for c in p["country"]}),
        "region": sorted({slugify(r) for p in projects for r in p["region"] | p["subregion"]}),
        "status": sorted({p["status"] for p in projects if p["status"]}),
        "kind": sorted({p["kind"] for p in projects}),
        "verdict": sorted({v for p in projects for v in p["verdict"]}),
        "lender": sorted({v for p in projects for v in p["lender"]}),
    }
    words = ["rail", "wind", "solar park", "green", "hydro", "port city", "ab"]
    yield ProjectFilter()
    for _ in range(COMBINATIONS):
        chosen = rng.sample(FACETS, rng.randint(1, 4))
        params: dict[str, Any] = {f: rng.sample(values[f], rng.randint(1, 2)) for f in chosen}
        if rng.random() < 0.25:
            params["q"] = rng.choice(words)
        yield ProjectFilter(**params)


def test_facet_counts_from_the_summary_equal_counts_from_the_base_tables(
    loaded: Engine,
) -> None:
    projects = _projects(loaded)
    assert len(projects) > 600
    checked = 0
    for filters in _combinations(projects):
        with Session(loaded) as session:
            found = facet_counts(session, filters=filters)
        assert found == _expected(projects, filters), filters
        checked += 1
    assert checked > COMBINATIONS


@pytest.mark.parametrize("read", ["sql", "arrays"])
def test_pages_and_exports_find_the_same_projects_as_the_base_tables(
    loaded: Engine, read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are read through profile ids (by profile index, or in sort order for a broad
    filter), or on SQLite found in the sorts' orders read into arrays: every filter gives
    exactly the projects the base tables give, in sort order. The sorts take turns, so a
    page read in a sort's index order (capacity: unit by unit) is compared with every match
    fetched and sorted."""
    cache.clear()  # answers of the other way of reading are not this one's
    if read == "sql":
        monkeypatch.setattr(page_order, "sort_order", lambda *args: None)
    elif loaded.dialect.name != "sqlite":
        pytest.skip("the arrays are SQLite's; PostgreSQL reads pages by SQL")
    else:
        _wait_for_orders(loaded)
        monkeypatch.setattr(catalogue, "_page_statement", _not_by_sql)
    projects = _projects(loaded)
    sorts = list(SortKey)
    for i, unsorted in enumerate(_combinations(projects)):
        if i > 120:
            break
        filters = unsorted.model_copy(update={"sort": sorts[i % len(sorts)]})
        expected = {p["slug"] for p in projects if _passes(p, filters)}
        with Session(loaded) as session:
            slugs = all_matching_slugs(session, filters=filters)
            page = list_projects(session, filters=filters.model_copy(update={"per_page": 20}))
            second = list_projects(
                session, filters=filters.model_copy(update={"per_page": 20, "page": 2})
            )
        assert set(slugs) == expected and len(slugs) == len(expected), filters
        assert [item.slug for item in page.items] == list(slugs[:20]), filters
        assert [item.slug for item in second.items] == list(slugs[20:40]), filters
        assert page.total == len(expected)
        with Session(loaded) as session:
            top = top_claims(session, filters=filters.model_copy(update={"sort": "-claimed"}))
            ordered = all_matching_slugs(
                session, filters=filters.model_copy(update={"sort": "-claimed"})
            )
        claimed = sum(p["claimed"] for p in projects if _passes(p, filters))
        assert top.total == claimed, filters
        assert [r["slug"] for r in top.rows] == list(ordered[: min(20, claimed)]), filters


def test_rows_read_from_the_orders_equal_rows_read_by_sql(
    loaded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite reads a page's rows through the driver's cursor (values as stored: dates as
    text, enums as values, countries in one column): every field of every card row is what
    the SQL path gives, countries in order included."""
    if loaded.dialect.name != "sqlite":
        pytest.skip("the arrays are SQLite's; PostgreSQL reads pages by SQL")
    _wait_for_orders(loaded)
    filters = [ProjectFilter(sort=key) for key in SortKey]
    filters += [ProjectFilter(country=["PAK"]), ProjectFilter(sector=["energy"], sort="-opened")]
    cache.clear()
    with Session(loaded) as session:
        from_orders = [list_projects(session, filters=f).items for f in filters]
    cache.clear()
    monkeypatch.setattr(page_order, "sort_order", lambda *args: None)
    with Session(loaded) as session:
        by_sql = [list_projects(session, filters=f).items for f in filters]
    assert any(len(p.countries) > 1 for page in from_orders for p in page)
    assert any(p.opened_on for page in from_orders for p in page)
    for orders_page, sql_page in zip(from_orders, by_sql, strict=True):
        assert orders_page, "every filter here lists projects"
        assert [p.model_dump() for p in orders_page] == [p.model_dump() for p in sql_page]


def test_a_ready_sort_order_never_waits_for_the_rowid_map(loaded: Engine) -> None:
    """A page found in a sort's order reads `rowid_profiles`; the thread that reads the orders
    reads that map first, so a request never finds an order ready and then waits seconds
    (at 1M projects) for the map while the server starts."""
    if loaded.dialect.name != "sqlite":
        pytest.skip("the arrays are SQLite's; PostgreSQL reads pages by SQL")
    cache.clear()
    with Session(loaded) as session:
        assert not facets.rowid_profiles_ready(session)
    _wait_for_orders(loaded)
    with Session(loaded) as session:
        assert facets.rowid_profiles_ready(session)


def _wait_for_orders(engine: Engine) -> None:
    deadline = time.monotonic() + 60
    with Session(engine) as session:
        while not all(catalogue.page_orders(session, key) is not None for key in SortKey):
            assert time.monotonic() < deadline, "the sort orders were not read in 60 s"
            time.sleep(0.05)


def _not_by_sql(*args: Any) -> None:
    raise AssertionError("a page was read by SQL, not from the sort orders")


def test_every_project_points_at_its_profile(loaded: Engine) -> None:
    P = m.Project.__table__  # type: ignore[attr-defined]
    FP = m.FacetProfile.__table__  # type: ignore[attr-defined]
    PFP = m.ProjectFacetProfile.__table__  # type: ignore[attr-defined]
    with loaded.connect() as conn:
        projects = set(conn.execute(select(P.c.slug)).scalars())
        pointed = dict(conn.execute(select(PFP.c.project_slug, PFP.c.facet_profile_id)).all())
        sizes = dict(conn.execute(select(FP.c.id, FP.c.projects)).all())
    assert set(pointed) == projects
    assert Counter(pointed.values()) == Counter(sizes)


def test_text_matches_from_the_index_alone_equal_the_row_tests(loaded: Engine) -> None:
    """SQLite answers a text query of indexable words from the trigram index and places the
    rowids on profiles through `rowid_profiles`, never reading project rows: it must find
    exactly the projects (and profiles) that the LIKE tests on the rows find."""
    queries = ["rail", "solar park", "port city", "green hydro", "wind", "no-such-word"]
    cache.clear()
    with Session(loaded) as session:
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":  # until the map is read (at start), queries take the row tests
            assert not facets.rowid_profiles_ready(session)
            facets.rowid_profiles(session)
            assert facets.rowid_profiles_ready(session)
        index = facets.facet_index(session)
        for q in queries:
            from_index = text_index_query(q, dialect)
            if dialect != "sqlite":
                assert from_index is None
                continue
            assert from_index is not None, q
            fast = facets.indexed_text_matches(session, from_index)
            slow = facets.text_matches(session, index, text_conditions(q, dialect))
            assert _placed(fast) == _placed(slow), q
            assert len(fast.profiles) or q == "no-such-word"
        # Words the index cannot take (under three letters, LIKE wildcards) keep the tests.
        assert text_index_query("ab park", dialect) is None
        assert text_index_query("50% solar", dialect) is None


def _placed(matches: facets.TextMatches) -> list[tuple[int, int]]:
    assert matches.rowids is not None
    return sorted(zip(matches.rowids.tolist(), matches.profiles.tolist(), strict=True))
