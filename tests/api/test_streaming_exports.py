"""Streamed downloads: the same rows and values as the paged API, from one ordered query
(no OFFSET, no COUNT), and a bounded number at once so pages are never starved.

Memory staying flat is a figure of `make bench` (server RSS during a 1M-row /metrics.csv),
not asserted here."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import exports
from app.exports import METRIC_COLUMNS, STATEMENT_COLUMNS, cell
from tests.helpers import sql_statements

METRIC_FILTERS = [{}, {"kind": "emissions_avoided"}, {"sector": "energy", "basis": "claimed"}]


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _pages(client: TestClient, path: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a paged API list, page by page."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(path, params={**query, "page": page, "per_page": 7}).json()
        items += body["items"]
        if page * 7 >= body["total"]:
            return items
        page += 1


def _metric_cells(item: dict[str, Any]) -> dict[str, str]:
    flat = {
        **item,
        "project": item["project"]["slug"],
        "project_name": item["project"]["name"],
        "source": item["source"]["slug"],
        "source_title": item["source"]["title"],
        "source_publisher": item["source"]["publisher"],
        "source_url": item["source"]["url"],
    }
    return {column: cell(flat[column]) for column in METRIC_COLUMNS}


@pytest.mark.parametrize("query", METRIC_FILTERS)
def test_metrics_csv_streams_the_rows_and_values_of_the_paged_api(
    client: TestClient, query: dict[str, str]
) -> None:
    streamed = _csv(client.get("/metrics.csv", params=query).text)
    paged = [_metric_cells(item) for item in _pages(client, "/api/v1/metrics", query)]
    assert len(streamed) == len(paged) > 0
    assert streamed == paged


def test_statements_csv_streams_the_statements_of_the_paged_api(client: TestClient) -> None:
    streamed = _csv(client.get("/statements.csv").text)
    paged = _pages(client, "/api/v1/statements", {})
    assert [row["slug"] for row in streamed] == [item["slug"] for item in paged]
    first, item = streamed[0], paged[0]
    assert list(first) == STATEMENT_COLUMNS
    assert first["text"] == item["text"] and first["source"] == item["source"]["slug"]
    assert first["projects"] == ";".join(p["slug"] for p in item["projects"])


def test_geojson_streams_every_located_project_of_the_filter(client: TestClient) -> None:
    query = {"sector": "energy"}
    features = client.get("/projects.geojson", params=query).json()["features"]
    listed = _pages(client, "/api/v1/projects", query)
    located = [p for p in listed if p["latitude"] is not None]
    assert [f["id"] for f in features] == [p["slug"] for p in located]
    for feature, project in zip(features, located, strict=True):
        assert feature["geometry"]["coordinates"] == [project["longitude"], project["latitude"]]


@pytest.mark.parametrize("path", ["/metrics.csv", "/projects.csv", "/projects.geojson"])
def test_a_download_reads_one_query_without_offset_or_count(
    client: TestClient, seeded_app: Any, path: str
) -> None:
    client.get(path, params={"sector": "energy"})  # vocabularies and summaries cached first
    with sql_statements(seeded_app.state.engine) as seen:
        response = client.get(path, params={"sector": "energy"})
    assert response.status_code == 200
    assert not any(" OFFSET " in s for s in seen), seen
    assert not any("COUNT(" in s for s in seen), seen


@pytest.mark.parametrize("path", ["/metrics.csv", "/projects.csv"])
def test_cells_written_by_the_database_are_those_cell_writes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """On SQLite the database writes the CSV cells (app/sqlite_csv.py); the bytes
    are those of the Python path (cell() + csv.writer) that PostgreSQL takes."""
    query = {"sector": "energy"} if path == "/projects.csv" else {}
    written_by_database = client.get(path, params=query).content
    monkeypatch.setattr(exports, "sql_writes_cells", lambda _conn: False)
    assert client.get(path, params=query).content == written_by_database
