"""The loader: good loads upsert, bad loads name every problem and change nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from app import models as m
from app.loader import LoadError, load_paths
from tests.helpers import MINI, snapshot


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def test_mini_dataset_loads_with_canonical_units(engine: Engine, mini: Path) -> None:
    summary = load_paths(engine, [mini])
    assert summary.counts["projects"] == 2
    with engine.connect() as conn:
        metric = (
            conn.execute(
                select(m.Metric.__table__).where(m.Metric.__table__.c.slug == "test-hydro/co2")
            )
            .mappings()
            .one()
        )
        project = (
            conn.execute(
                select(m.Project.__table__).where(m.Project.__table__.c.slug == "test-hydro")
            )
            .mappings()
            .one()
        )
        countries = conn.execute(select(func.count()).select_from(m.Country.__table__)).scalar()
    assert metric["canonical_value"] == pytest.approx(3_500_000)
    assert metric["canonical_unit"] == "t/yr"
    assert project["sector_slug"] == "energy"
    assert project["claimed_tco2_per_year"] == pytest.approx(3_500_000)
    assert "卡洛特" in project["search_text"]
    assert countries == 249


def test_reload_is_idempotent(engine: Engine, mini: Path) -> None:
    load_paths(engine, [mini])
    first = snapshot(engine)
    load_paths(engine, [mini])
    assert snapshot(engine) == first


def test_reload_replaces_children_instead_of_merging(engine: Engine, mini: Path) -> None:
    load_paths(engine, [mini])
    path = mini / "projects" / "test-hydro.yaml"
    content = path.read_text()
    path.write_text(content.split("  - {id: generation")[0])
    load_paths(engine, [mini])
    with engine.connect() as conn:
        slugs = [
            r[0]
            for r in conn.execute(text("SELECT slug FROM metric WHERE project_slug = 'test-hydro'"))
        ]
    assert slugs == ["test-hydro/co2"]


BAD_CASES = [
    (
        "malformed-yaml",
        "projects/test-wind.yaml",
        "slug: test-wind\nname: [unclosed\n",
        "malformed YAML",
    ),
    ("unknown-sector", "projects/test-wind.yaml", None, "unknown sector 'sailing'"),
    ("unknown-country", "projects/test-wind.yaml", None, "unknown country 'XXX'"),
    ("missing-source", "projects/test-wind.yaml", None, "unknown source 'nowhere'"),
    ("negative-capacity", "projects/test-wind.yaml", None, "greater than or equal to 0"),
    ("duplicate-slug", "projects/test-wind-copy.yaml", None, "duplicate project 'test-wind'"),
    ("unknown-unit", "projects/test-hydro.yaml", None, "unknown unit 'Mtoe-ish'"),
    ("bad-date", "projects/test-wind.yaml", None, "opened_on"),
    ("metric-without-source", "projects/test-hydro.yaml", None, "source: Field required"),
    ("bad-url", "sources.yaml", None, "only http(s) URLs"),
    ("latitude-out-of-range", "projects/test-hydro.yaml", None, "less than or equal to 90"),
]


def _break(mini: Path, case: str) -> None:
    wind = mini / "projects" / "test-wind.yaml"
    hydro = mini / "projects" / "test-hydro.yaml"
    sources = mini / "sources.yaml"
    edits = {
        "malformed-yaml": lambda: wind.write_text("slug: test-wind\nname: [unclosed\n"),
        "unknown-sector": lambda: wind.write_text(
            wind.read_text().replace("technology: wind", "technology: sailing")
        ),
        "unknown-country": lambda: wind.write_text(wind.read_text().replace("[MNE]", "[XXX]")),
        "missing-source": lambda: wind.write_text(
            wind.read_text().replace("[test-source]", "[nowhere]")
        ),
        "negative-capacity": lambda: wind.write_text(
            wind.read_text().replace("value: 46", "value: -46")
        ),
        "duplicate-slug": lambda: shutil.copy(wind, mini / "projects" / "test-wind-copy.yaml"),
        "unknown-unit": lambda: hydro.write_text(
            hydro.read_text().replace("unit: Mt", "unit: Mtoe-ish")
        ),
        "bad-date": lambda: wind.write_text(wind.read_text() + "opened_on: 2021-02-30\n"),
        "metric-without-source": lambda: hydro.write_text(
            hydro.read_text().replace(
                "basis: reported,\n     source: test-source}", "basis: reported}"
            )
        ),
        "bad-url": lambda: sources.write_text(
            sources.read_text().replace("https://example.org/test", "javascript:alert(1)")
        ),
        "latitude-out-of-range": lambda: hydro.write_text(
            hydro.read_text().replace("latitude: 33.6", "latitude: 133.6")
        ),
    }
    edits[case]()


@pytest.mark.parametrize(
    ("case", "file", "_content", "message"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_load_names_the_problem_and_changes_nothing(
    engine: Engine,
    mini: Path,
    tmp_path: Path,
    case: str,
    file: str,
    _content: str | None,
    message: str,
) -> None:
    good = tmp_path / "good"
    shutil.copytree(mini, good)
    load_paths(engine, [good])
    before = snapshot(engine)
    # Any change in the good data must also be refused together with the bad file.
    (mini / "projects" / "test-hydro.yaml").write_text(
        (mini / "projects" / "test-hydro.yaml").read_text().replace("value: 720", "value: 721")
    )
    _break(mini, case)
    with pytest.raises(LoadError) as error:
        load_paths(engine, [mini])
    problems = [str(p) for p in error.value.problems]
    assert any(file in p and message in p for p in problems), problems
    assert snapshot(engine) == before


def test_cli_rejects_bad_load_with_exit_code_and_file_names(
    db_url: str, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import app
    from app.config import get_settings

    monkeypatch.setenv("BRI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        (mini / "projects" / "test-wind.yaml").write_text("slug: test-wind\nname: [unclosed\n")
        result = CliRunner().invoke(app, ["load", "--quiet", str(mini)])
        assert result.exit_code == 1
        assert "test-wind.yaml" in result.output and "malformed YAML" in result.output
        assert "nothing was written" in result.output
        shutil.copy(MINI / "projects" / "test-wind.yaml", mini / "projects" / "test-wind.yaml")
        result = CliRunner().invoke(app, ["load", "--quiet", str(mini)])
        assert result.exit_code == 0, result.output
        assert "2 projects" in result.output
    finally:
        get_settings.cache_clear()


def test_csv_tables_load(engine: Engine, mini: Path, tmp_path: Path) -> None:
    load_paths(engine, [mini])
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    (bulk / "projects.csv").write_text(
        "slug,name,kind,technology,status,capacity_value,capacity_unit\n"
        "csv-rail,China–Laos style rail,bri,rail-freight-passenger,operational,1035,km\n",
        encoding="utf-8",
    )
    (bulk / "project_countries.csv").write_text("project,country\ncsv-rail,LAO\ncsv-rail,CHN\n")
    (bulk / "metrics.csv").write_text(
        "slug,project,kind,value,unit,period,basis,source\n"
        "csv-rail/cargo,csv-rail,freight,19.6,Mt,annual,reported,test-source\n"
    )
    load_paths(engine, [bulk])
    with engine.connect() as conn:
        countries = sorted(
            r[0]
            for r in conn.execute(
                text("SELECT country_iso3 FROM project_country WHERE project_slug='csv-rail'")
            )
        )
        value = conn.execute(
            text("SELECT canonical_value FROM metric WHERE slug='csv-rail/cargo'")
        ).scalar()
    assert countries == ["CHN", "LAO"]
    assert value == pytest.approx(19_600_000)


def test_csv_with_unknown_column_is_rejected(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "sources.csv").write_text("slug,title,publisher,kind,colour\nx,T,P,news,red\n")
    with pytest.raises(LoadError) as error:
        load_paths(engine, [tmp_path])
    assert "colour: unknown field" in str(error.value.problems[0])


def test_progress_covers_every_row_and_the_claim_checks(engine: Engine, mini: Path) -> None:
    totals: dict[str, int] = {}
    done: dict[str, int] = {}

    def factory(label: str, total: int):  # type: ignore[no-untyped-def]
        totals[label] = total
        done[label] = 0
        return lambda n: done.__setitem__(label, done[label] + n)

    load_paths(engine, [mini], progress=factory)
    assert set(totals) == {"Loading", "Checking claims"}
    assert totals["Checking claims"] == 2  # the mini dataset's two projects
    assert done == totals


def test_csv_rows_blank_short_and_long(engine: Engine, mini: Path, tmp_path: Path) -> None:
    """Blank lines are skipped, a short row lacks its last cells, a long row is refused,
    and problems name the row as a spreadsheet numbers it."""
    load_paths(engine, [mini])
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    (bulk / "sources.csv").write_text(
        "slug,title,publisher,kind,url\n"
        "\n"
        "ok-source,Title,Publisher,news\n"  # short: url is empty
        "long-source,Title,Publisher,news,https://example.org,extra\n"
        "short-source,Title\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as error:
        load_paths(engine, [bulk])
    problems = sorted(str(p).split(": ", 1)[1] for p in error.value.problems)
    assert "row 3: -: more cells than columns" in problems
    assert any(p.startswith("row 4: publisher: ") for p in problems)  # a cell it lacks
    assert {p.split(":")[0] for p in problems} == {"row 3", "row 4"}


def test_csv_values_are_stored_typed(engine: Engine, mini: Path, tmp_path: Path) -> None:
    """Enums, dates, booleans and converted values written through the driver read back
    as the ORM reads them."""
    load_paths(engine, [mini])
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    (bulk / "metrics.csv").write_text(
        "slug,project,kind,value,unit,period,period_start,period_end,basis,source,uncertain\n"
        "test-hydro/gen-csv,test-hydro,generation,3.2,TWh,annual,2024-01-01,2024-12-31,"
        "reported,test-source,true\n",
        encoding="utf-8",
    )
    load_paths(engine, [bulk])
    from sqlmodel import Session

    with Session(engine) as session:
        metric = session.get(m.Metric, "test-hydro/gen-csv")
        assert metric is not None
        assert metric.kind == m.MetricKind.generation
        assert metric.period == m.Period.annual
        assert str(metric.period_start) == "2024-01-01"
        assert metric.uncertain is True
        assert metric.canonical_value == pytest.approx(3_200_000)
        assert metric.canonical_unit == "MWh/yr"


def test_sqlite_load_turns_foreign_keys_back_on(engine: Engine, mini: Path) -> None:
    """Loads skip SQLite's per-row foreign-key lookups; the pooled connection gets them back."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite pragma")
    load_paths(engine, [mini])
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_reference_the_validation_missed_still_rolls_back(
    engine: Engine, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the reference check switched off, a dangling reference reaches the database:
    PostgreSQL refuses the row, SQLite's foreign_key_check refuses the commit."""
    from sqlalchemy.exc import IntegrityError

    from app.loader import writing

    load_paths(engine, [mini])
    before = snapshot(engine)
    (mini / "extra.yaml").write_text(
        "sources:\n  - slug: orphan-source\n    title: T\n    publisher: P\n"
        "    url: https://example.org/\n    kind: news\n"
        "organizations:\n  - slug: orphan-org\n    name: Orphan\n    kind: company\n"
        "    country: XXX\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(writing, "REFERENCES", [])
    with pytest.raises((LoadError, IntegrityError)) as caught:
        load_paths(engine, [mini])
    if engine.dialect.name == "sqlite":
        assert isinstance(caught.value, LoadError)
        assert [str(p) for p in caught.value.problems] == [
            "-: organization orphan-org: -: refers to a missing country"
        ]
    assert snapshot(engine) == before


def test_a_factor_only_load_rechecks_the_claims(engine: Engine, mini: Path, tmp_path: Path) -> None:
    """Claim checks depend on reference factors: changing a factor alone re-runs them."""
    load_paths(engine, [mini])
    query = text(
        "SELECT expected_low, expected_high FROM claim_check "
        "WHERE metric_slug = 'test-hydro/co2' AND reading = 'as stated'"
    )
    with engine.connect() as conn:
        before = conn.execute(query).one()
    factors = tmp_path / "factors"
    factors.mkdir()
    (factors / "factors.yaml").write_text(
        "reference_factors:\n"
        "  - {slug: grid-pak-2023, kind: grid, country: PAK, value: 0.8812, unit: t/MWh,"
        " year: 2023, source: test-source}\n",
        encoding="utf-8",
    )
    load_paths(engine, [factors])
    with engine.connect() as conn:
        after = conn.execute(query).one()
    # The mini ladder has one rung, the grid average: doubling it doubles the expected range.
    assert after[0] == pytest.approx(2 * before[0], rel=1e-3)
    assert after[1] == pytest.approx(2 * before[1], rel=1e-3)
