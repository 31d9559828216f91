"""Pages and the JSON API answer from the same query functions: the same filter gives the same
records on both; the catalogue links to downloads of what it shows."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def soup(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.text, "html.parser")


@pytest.mark.parametrize(
    "query", ["", "project=karot-hydropower", "sector=transport", "sector=energy&page=1"]
)
def test_statements_page_lists_what_the_api_lists(client: TestClient, query: str) -> None:
    page = soup(client, f"/statements?{query}")
    api = client.get(f"/api/v1/statements?{query}").json()
    texts = [" ".join(s.select_one("blockquote").text.split()) for s in page.select(".statement")]
    expected = [" ".join(item["text"].split()) for item in api["items"]]
    assert [t.strip("“”") for t in texts] == expected
    assert page.select_one(".result-count strong").text == str(api["total"])


def test_statements_page_paginates_and_rejects_bad_pages(client: TestClient) -> None:
    total = client.get("/api/v1/statements").json()["total"]
    assert total > 2
    first = soup(client, "/statements?per_page=2")
    assert len(first.select(".statement")) == 2
    nxt = first.select_one('.pagination a[rel="next"]')
    assert nxt is not None and "page=2" in nxt["href"]
    second = soup(client, "/statements?per_page=2&page=2")
    assert first.select_one(".statement").text != second.select_one(".statement").text
    for bad in ("page=0", "page=abc", "per_page=100000", "colour=red"):
        response = client.get(f"/statements?{bad}")
        assert response.status_code == 422, bad
        assert BeautifulSoup(response.text, "html.parser").select_one(".error-message").text


@pytest.mark.parametrize(
    ("page_url", "api_url"),
    [
        ("/countries/LAO", "/api/v1/countries/LAO"),
        ("/sectors/energy", "/api/v1/sectors/energy"),
    ],
)
def test_group_pages_list_what_the_api_lists(
    client: TestClient, page_url: str, api_url: str
) -> None:
    page = soup(client, page_url)
    api = client.get(api_url).json()
    hrefs = [a["href"] for a in page.select(".cards .card-title a")]
    assert hrefs == [f"/projects/{p['slug']}" for p in api["projects"]]
    assert page.h1.text == api["name"]


def test_project_page_and_api_show_the_same_figures(client: TestClient) -> None:
    page = soup(client, "/projects/china-laos-railway")
    api = client.get("/api/v1/projects/china-laos-railway").json()
    rows = [s for r in page.select("#metrics-table tbody tr") for s in r["data-metrics"].split()]
    assert sorted(rows) == sorted(m["slug"] for m in api["metrics"])
    related = [a["href"] for a in page.select(".related a")]
    assert related == [f"/projects/{r['slug']}" for r in api["related"]]


def test_catalogue_links_downloads_of_the_current_filter(client: TestClient) -> None:
    page = soup(client, "/projects?sector=transport&country=LAO")
    links = {a.text: a["href"] for a in page.select("#downloads a")}
    assert links["data package"] == "/data/bri-tracker-datapackage.zip"
    for name in ("CSV", "GeoJSON"):
        assert "sector=transport" in links[name] and "country=LAO" in links[name]
    listed = {a["href"].rsplit("/", 1)[1] for a in page.select("#project-list .card-title a")}
    rows = list(csv.DictReader(io.StringIO(client.get(links["CSV"]).text)))
    assert {r["slug"] for r in rows} == listed
    features = client.get(links["GeoJSON"]).json()["features"]
    assert {f["properties"]["slug"] for f in features} <= listed
    package = client.get(links["data package"])
    assert package.status_code == 200 and package.content[:2] == b"PK"
    # The fragment htmx swaps in carries the links too, so they follow the filter live.
    fragment = client.get("/projects?sector=energy", headers={"HX-Request": "true"})
    part = BeautifulSoup(fragment.text, "html.parser")
    assert "sector=energy" in part.select_one("#downloads a")["href"]
