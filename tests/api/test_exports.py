"""Downloads: CSV and GeoJSON follow the catalogue filter; the same filter gives the same
projects in the page, the API and the CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

FILTERS = [
    {},
    {"sector": "transport"},
    {"sector": "energy", "kind": "bri"},
    {"country": "CHN"},
    {"q": "railway"},
    {"status": "operational", "sort": "-name"},
]


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _api_slugs(client: TestClient, query: dict[str, str]) -> list[str]:
    body = client.get("/api/v1/projects", params={**query, "per_page": 200}).json()
    return [item["slug"] for item in body["items"]]


@pytest.mark.parametrize("query", FILTERS)
def test_same_filter_same_projects_in_page_api_and_csv(
    client: TestClient, query: dict[str, str]
) -> None:
    api = _api_slugs(client, query)
    response = client.get("/projects.csv", params=query)
    assert response.status_code == 200
    assert [row["slug"] for row in _csv_rows(response.text)] == api
    page = client.get("/projects", params={**query, "per_page": 200})
    assert page.status_code == 200
    results = page.text[page.text.index('id="results"') :]
    linked = set(re.findall(r'href="/projects/([a-z0-9-]+)"', results))
    assert linked == set(api)


def test_projects_csv_is_utf8_with_header_and_survives_unicode(client: TestClient) -> None:
    response = client.get("/projects.csv", params={"sector": "transport"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "charset=utf-8" in response.headers["content-type"]
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.splitlines()[0].startswith("slug,name,local_name,kind,sector,technology")
    by_slug = {row["slug"]: row for row in _csv_rows(text)}
    assert by_slug["china-laos-railway"]["name"] == "China–Laos Railway"
    assert by_slug["china-laos-railway"]["local_name"] == "中老铁路"
    assert set(by_slug["china-laos-railway"]["countries"].split(";")) >= {"CHN", "LAO"}


def test_projects_csv_unknown_filter_is_422(client: TestClient) -> None:
    response = client.get("/projects.csv", params={"sector": "nope"})
    assert response.status_code == 422
    assert "nope" in response.json()["detail"]


def test_geojson_has_only_sourced_coordinates(client: TestClient) -> None:
    response = client.get("/projects.geojson")
    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    api = client.get("/api/v1/projects", params={"per_page": 200}).json()["items"]
    located = {p["slug"]: p for p in api if p["latitude"] is not None}
    assert {f["id"] for f in collection["features"]} == set(located)
    for feature in collection["features"]:
        project = located[feature["id"]]
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [project["longitude"], project["latitude"]],
        }
        assert feature["properties"]["location_precision"] in {"exact", "approximate"}


def test_geojson_follows_the_filter(client: TestClient) -> None:
    collection = client.get("/projects.geojson", params={"country": "PAK"}).json()
    assert {f["id"] for f in collection["features"]} <= set(_api_slugs(client, {"country": "PAK"}))


def test_metrics_csv_matches_api(client: TestClient) -> None:
    query = {"project": "karot-hydropower"}
    rows = _csv_rows(client.get("/metrics.csv", params=query).text)
    api = client.get("/api/v1/metrics", params={**query, "per_page": 200}).json()
    assert [r["slug"] for r in rows] == [m["slug"] for m in api["items"]]
    for row in rows:
        assert row["source"] and row["basis"] in {"claimed", "reported", "verified", "derived"}


def test_statements_csv_matches_api_and_keeps_text(client: TestClient) -> None:
    rows = _csv_rows(client.get("/statements.csv").text)
    api = client.get("/api/v1/statements", params={"per_page": 200}).json()
    assert [r["slug"] for r in rows] == [s["slug"] for s in api["items"]]
    assert [r["text"] for r in rows] == [s["text"] for s in api["items"]]


def test_data_package_download(client: TestClient) -> None:
    import zipfile

    response = client.get("/data/bri-tracker-datapackage.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "datapackage.json" in names and "projects.csv" in names and "metrics.csv" in names
