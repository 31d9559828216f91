"""Contract tests of the JSON API v1 against the seed dataset."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

HEADLINE = ["mozura-wind-park", "karot-hydropower", "china-laos-railway", "jakarta-bandung-hsr"]


def test_projects_returns_items_total_page_per_page_and_facets(client: TestClient) -> None:
    response = client.get("/api/v1/projects", params={"per_page": 200})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total", "page", "per_page", "facets"}
    assert body["page"] == 1 and body["per_page"] == 200
    assert body["total"] == len(body["items"])
    slugs = {item["slug"] for item in body["items"]}
    assert set(HEADLINE) <= slugs
    assert {"sector", "country", "region", "status", "kind", "verdict"} <= set(body["facets"])


def test_projects_filters_are_and_across_or_within(client: TestClient) -> None:
    both = client.get("/api/v1/projects", params=[("country", "PAK"), ("country", "LAO")]).json()
    assert {i["slug"] for i in both["items"]} >= {"karot-hydropower", "china-laos-railway"}
    energy_lao = client.get("/api/v1/projects", params={"country": "LAO", "sector": "energy"})
    assert "china-laos-railway" not in {i["slug"] for i in energy_lao.json()["items"]}
    hydro = client.get("/api/v1/projects", params={"sector": "hydro"}).json()
    assert "karot-hydropower" in {i["slug"] for i in hydro["items"]}
    assert all(i["technology"] == "hydro" for i in hydro["items"])


def test_projects_pagination(client: TestClient) -> None:
    first = client.get("/api/v1/projects", params={"per_page": 2, "page": 1}).json()
    second = client.get("/api/v1/projects", params={"per_page": 2, "page": 2}).json()
    assert len(first["items"]) == 2
    assert not {i["slug"] for i in first["items"]} & {i["slug"] for i in second["items"]}
    assert first["total"] == second["total"]


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ({"sector": "no-such-sector"}, "no-such-sector"),
        ({"country": "XYZ"}, "XYZ"),
        ({"region": "atlantis"}, "atlantis"),
        ({"status": "imaginary"}, "status"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": 100000}, "per_page"),
        ({"sort": "sideways"}, "sort"),
    ],
)
def test_projects_bad_filter_is_422_with_a_message(
    client: TestClient, query: dict[str, object], word: str
) -> None:
    response = client.get("/api/v1/projects", params=query)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and word in detail


@pytest.mark.parametrize("slug", HEADLINE)
def test_project_detail_has_metrics_statements_sources_parties(
    client: TestClient, slug: str
) -> None:
    response = client.get(f"/api/v1/projects/{slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == slug
    assert body["countries"] and body["parties"] and body["sources"]
    source_slugs = {s["slug"] for s in body["sources"]}
    for metric in body["metrics"]:
        # Provenance: every figure names a source, and the project lists it.
        assert metric["source"]["slug"] in source_slugs
        assert metric["basis"] in {"claimed", "reported", "verified", "derived"}
    for statement in body["statements"]:
        assert statement["source"]["slug"] in source_slugs
        assert slug in {p["slug"] for p in statement["projects"]}


def test_project_detail_keeps_unicode_names(client: TestClient) -> None:
    body = client.get("/api/v1/projects/china-laos-railway").json()
    assert body["name"] == "China–Laos Railway"
    assert {c["iso3"] for c in body["countries"]} >= {"CHN", "LAO"}
    assert body["local_name"] == "中老铁路"


def test_unknown_project_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/projects/no-such-project")
    assert response.status_code == 404
    assert "no-such-project" in response.json()["detail"]


def test_metrics_filter_by_project_kind_and_basis(client: TestClient) -> None:
    body = client.get(
        "/api/v1/metrics",
        params={"project": "karot-hydropower", "kind": "emissions_avoided", "per_page": 200},
    ).json()
    assert body["total"] == len(body["items"]) > 0
    assert all(m["project"]["slug"] == "karot-hydropower" for m in body["items"])
    assert all(m["kind"] == "emissions_avoided" for m in body["items"])
    claimed = client.get("/api/v1/metrics", params={"basis": "claimed", "per_page": 200}).json()
    assert all(m["basis"] == "claimed" for m in claimed["items"])


@pytest.mark.parametrize(
    "query", [{"project": "nope"}, {"kind": "nope"}, {"basis": "nope"}, {"sector": "nope"}]
)
def test_metrics_unknown_value_is_422(client: TestClient, query: dict[str, str]) -> None:
    response = client.get("/api/v1/metrics", params=query)
    assert response.status_code == 422
    assert "nope" in response.json()["detail"]


def test_statements_newest_first_with_form_choices(client: TestClient) -> None:
    body = client.get("/api/v1/statements", params={"per_page": 200}).json()
    assert body["total"] == len(body["items"]) > 0
    dates = [s["said_on"] for s in body["items"] if s["said_on"]]
    assert dates == sorted(dates, reverse=True)
    assert body["organizations"] and body["projects"] and body["sectors"]
    for statement in body["items"]:
        assert statement["form"] in {"direct_quote", "paraphrase"}
        assert statement["source"]["title"]


def test_statements_filter_by_project_and_sector(client: TestClient) -> None:
    karot = client.get("/api/v1/statements", params={"project": "karot-hydropower"}).json()
    assert karot["total"] > 0
    assert all("karot-hydropower" in {p["slug"] for p in s["projects"]} for s in karot["items"])
    energy = client.get("/api/v1/statements", params={"sector": "energy", "per_page": 200})
    assert {s["slug"] for s in karot["items"]} <= {s["slug"] for s in energy.json()["items"]}
    assert client.get("/api/v1/statements", params={"organization": "nope"}).status_code == 422


def test_countries_and_country(client: TestClient) -> None:
    countries = client.get("/api/v1/countries").json()
    by_code = {c["iso3"]: c for c in countries}
    assert {"PAK", "LAO", "IDN", "MNE"} <= set(by_code)
    assert by_code["PAK"]["project_count"] >= 1
    pakistan = client.get("/api/v1/countries/pak").json()
    assert pakistan["iso3"] == "PAK"
    assert "karot-hydropower" in {p["slug"] for p in pakistan["projects"]}
    assert client.get("/api/v1/countries/XYZ").status_code == 404


def test_sectors_and_sector(client: TestClient) -> None:
    sectors = client.get("/api/v1/sectors").json()
    by_slug = {s["slug"]: s for s in sectors}
    assert {"energy", "transport"} <= set(by_slug)
    assert "wind" in {t["slug"] for t in by_slug["energy"]["technologies"]}
    energy = client.get("/api/v1/sectors/energy").json()
    assert {"mozura-wind-park", "karot-hydropower"} <= {p["slug"] for p in energy["projects"]}
    assert energy["project_count"] == len(energy["projects"])
    assert client.get("/api/v1/sectors/nope").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects",
        "/api/v1/projects/karot-hydropower",
        "/api/v1/metrics",
        "/api/v1/statements",
        "/api/v1/countries",
        "/api/v1/sectors",
        "/projects.csv",
        "/projects.geojson",
        "/metrics.csv",
        "/statements.csv",
    ],
)
def test_etag_gives_304_and_cors_allows_reading(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["access-control-allow-origin"] == "*"
    etag = first.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_cors_preflight_allows_get_only(client: TestClient) -> None:
    response = client.options(
        "/api/v1/projects",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" not in response.headers["access-control-allow-methods"]
    assert client.post("/api/v1/projects").status_code == 405


def test_openapi_documents_every_endpoint_with_field_descriptions(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in [
        "/api/v1/projects",
        "/api/v1/projects/{slug}",
        "/api/v1/metrics",
        "/api/v1/statements",
        "/api/v1/countries",
        "/api/v1/sectors",
    ]:
        assert "get" in schema["paths"][path]
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if name.startswith(("HTTPValidationError", "ValidationError")):
                continue
            assert spec.get("description"), f"{name}.{field} has no description"


def test_docs_page_is_self_hosted(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "bri-docs.js"):
        url = next(p for p in page.text.split('"') if asset in p)
        assert client.get(url).status_code == 200
