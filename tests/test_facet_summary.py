"""Facet counts summed from `facet_profile` equal counts taken from the base tables.

The expected counts are computed here by brute force in Python from the projects, their
countries, regions and claim checks, with the catalogue's rule (each facet follows every
filter except its own), for a few hundred filter combinations on the seed plus a generated
dataset loaded on top of it (a second load, so the loader's rebuild is exercised). Runs on
SQLite and, with BRI_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import models as m
from app.loader import load_paths
from app.places.vocabulary import slugify
from app.projects.catalogue import all_matching_slugs, facet_counts, list_projects
from app.projects.filter import ProjectFilter
from app.queries import cache
from tests.helpers import SEED_DIR, bench_generator, fresh_database_url, settings_for

FACETS = ("sector", "country", "region", "status", "kind", "verdict")
COMBINATIONS = 250


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from app.db import build_engine
    from app.migrate import upgrade

    tmp = tmp_path_factory.mktemp("summary")
    engine = build_engine(settings_for(fresh_database_url(tmp, "summary")))
    upgrade(engine)
    load_paths(engine, [SEED_DIR])
    bench_generator().generate(600, tmp / "generated")
    load_paths(engine, [tmp / "generated"])
    cache.clear()
    yield engine
    engine.dispose()


def _projects(engine: Engine) -> list[dict[str, Any]]:
    """Every project with its facet values, read from the base tables."""
    P, PC, C, CC, S = (
        t.__table__  # type: ignore[attr-defined]
        for t in (m.Project, m.ProjectCountry, m.Country, m.ClaimCheck, m.Sector)
    )
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
        found = {k: v for k, v in found.items() if k != "lender"}  # lenders: rows, not summary
        assert found == _expected(projects, filters), filters
        checked += 1
    assert checked > COMBINATIONS


def test_pages_and_exports_find_the_same_projects_as_the_base_tables(loaded: Engine) -> None:
    """Rows are read through profile ids (by profile index, or in sort order for a broad
    filter): every filter gives exactly the projects the base tables give, in sort order."""
    projects = _projects(loaded)
    for i, filters in enumerate(_combinations(projects)):
        if i > 80:
            break
        expected = {p["slug"] for p in projects if _passes(p, filters)}
        with Session(loaded) as session:
            slugs = all_matching_slugs(session, filters=filters)
            page = list_projects(session, filters=filters.model_copy(update={"per_page": 20}))
        assert set(slugs) == expected and len(slugs) == len(expected), filters
        assert [item.slug for item in page.items] == list(slugs[:20]), filters
        assert page.total == len(expected)


def test_every_project_points_at_its_profile(loaded: Engine) -> None:
    P = m.Project.__table__  # type: ignore[attr-defined]
    FP = m.FacetProfile.__table__  # type: ignore[attr-defined]
    with loaded.connect() as conn:
        unassigned = conn.execute(select(P.c.slug).where(P.c.facet_profile_id.is_(None))).all()
        sizes = dict(conn.execute(select(FP.c.id, FP.c.projects)).all())
        members = Counter(conn.execute(select(P.c.facet_profile_id)).scalars())
    assert unassigned == []
    assert members == Counter(sizes)
