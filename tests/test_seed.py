"""The curated seed: it loads, it is idempotent, and every figure in it has a source."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.loader import load_paths
from tests.helpers import SEED_DIR, SHARED_DIR, snapshot

ARTICLE = SHARED_DIR / "reference" / "glen-2025-article.txt"
ARTICLE_SOURCE = "xinhua-silk-road-glen-2025"
HEADLINES = ["mozura-wind-park", "karot-hydropower", "china-laos-railway", "jakarta-bandung-hsr"]


@pytest.fixture(scope="module")
def seeded(seeded_url: str) -> Engine:
    return create_engine(seeded_url)


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_headline_projects_are_there(seeded: Engine) -> None:
    slugs = {r[0] for r in rows(seeded, "SELECT slug FROM project")}
    assert set(HEADLINES) <= slugs


def test_seed_size(seeded: Engine) -> None:
    assert rows(seeded, "SELECT count(*) FROM country")[0][0] == 249
    bri = rows(seeded, "SELECT count(*) FROM project WHERE kind = 'bri'")[0][0]
    reference = rows(seeded, "SELECT count(*) FROM project WHERE kind = 'reference'")[0][0]
    assert bri >= 4 and reference >= 4


def test_every_project_with_figures_names_its_sources(seeded: Engine) -> None:
    unsourced = rows(
        seeded,
        "SELECT slug FROM project p WHERE (capacity_value IS NOT NULL OR cost_usd IS NOT NULL "
        "OR opened_on IS NOT NULL OR latitude IS NOT NULL) AND NOT EXISTS "
        "(SELECT 1 FROM project_source s WHERE s.project_slug = p.slug)",
    )
    assert unsourced == []


def test_every_located_project_names_the_source_or_precision(seeded: Engine) -> None:
    located = rows(
        seeded,
        "SELECT slug, location_precision FROM project WHERE latitude IS NOT NULL",
    )
    assert all(precision in ("exact", "approximate") for _slug, precision in located)


def test_every_metric_and_factor_has_a_source_that_exists(seeded: Engine) -> None:
    orphan_metrics = rows(
        seeded,
        "SELECT m.slug FROM metric m LEFT JOIN source s ON s.slug = m.source_slug "
        "WHERE s.slug IS NULL",
    )
    orphan_factors = rows(
        seeded,
        "SELECT f.slug FROM reference_factor f LEFT JOIN source s ON s.slug = f.source_slug "
        "WHERE s.slug IS NULL",
    )
    assert orphan_metrics == [] and orphan_factors == []


def test_sources_have_publisher_and_title(seeded: Engine) -> None:
    assert rows(seeded, "SELECT slug FROM source WHERE title = '' OR publisher = ''") == []


def test_direct_quotes_from_the_article_are_verbatim(seeded: Engine) -> None:
    if not ARTICLE.exists():
        pytest.skip(f"the reference article is not at {ARTICLE} (set BRI_SHARED_DIR)")
    article = re.sub(r"\s+", " ", ARTICLE.read_text(encoding="utf-8"))
    quotes = rows(
        seeded,
        f"SELECT slug, text FROM statement WHERE source_slug = '{ARTICLE_SOURCE}' "
        "AND form = 'direct_quote'",
    )
    assert quotes, "the article has direct quotes"
    for slug, quote in quotes:
        core = re.sub(r"\s+", " ", str(quote)).strip().strip('"“”')
        assert core[:60] in article, f"{slug} is not verbatim"


def test_article_statements_are_dated_to_the_meeting(seeded: Engine) -> None:
    dates = rows(
        seeded, f"SELECT DISTINCT said_on FROM statement WHERE source_slug = '{ARTICLE_SOURCE}'"
    )
    assert [str(d[0]) for d in dates] == ["2025-10-18"]


def test_emission_claims_carry_period_basis_and_unit(seeded: Engine) -> None:
    claims = rows(
        seeded,
        "SELECT slug, canonical_unit, period, basis FROM metric WHERE kind = 'emissions_avoided'",
    )
    assert claims
    for slug, unit, period, basis in claims:
        assert unit in ("t", "t/yr"), slug
        assert period in ("annual", "cumulative", "one_off", "unspecified"), slug
        assert basis in ("claimed", "reported", "verified", "derived"), slug


def test_china_laos_cargo_disagreement_is_stored_with_both_sources(seeded: Engine) -> None:
    cargo = rows(
        seeded,
        "SELECT canonical_value, source_slug FROM metric "
        "WHERE project_slug = 'china-laos-railway' AND kind = 'freight'",
    )
    values = {round(float(v) / 1e6, 1) for v, _ in cargo}
    assert {46.5, 19.6} <= values
    assert len({s for _, s in cargo}) >= 2


def test_loading_the_seed_twice_changes_nothing(engine: Engine) -> None:
    load_paths(engine, [SEED_DIR])
    first = snapshot(engine)
    load_paths(engine, [SEED_DIR])
    assert snapshot(engine) == first
