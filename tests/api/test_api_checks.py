"""/api/v1/projects/{slug} carries the claim checks the project page shows, from the same query."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def project(client: TestClient, slug: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/projects/{slug}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_karot_checks_have_verdicts_arithmetic_and_sourced_inputs(client: TestClient) -> None:
    body = project(client, "karot-hydropower")
    checks = body["checks"]
    assert checks
    metric_slugs = {m["slug"] for m in body["metrics"]}
    assert {c["metric_slug"] for c in checks} <= metric_slugs
    ctg = {
        c["reading"]: c
        for c in checks
        if c["metric_slug"] == "karot-hydropower/co2-ctg-press-release-2022"
    }
    # One reading: the implied factor on Pakistan's baseline ladder (coal is a rung of it).
    check = ctg["as stated"]
    assert check["verdict"] == "above_range"
    assert check["ratio"] > 1  # x the grid average
    implied = check["ladder"]["implied"]
    assert implied["low"] < 3.5 / 3.2 < implied["high"]
    assert check["ladder"]["verdict_text"].startswith(
        "exceeds every recognised baseline, including coal"
    )
    assert {r["key"] for r in check["ladder"]["rungs"]} == {
        "grid-average",
        "ifi-cm",
        "ifi-om",
        "gas-cc",
        "coal",
        "diesel",
    }
    assert check["arithmetic"] and check["expected_unit"] == "t/yr"
    assert check["findings"] == []
    for item in check["inputs"]:
        assert item["source_slug"] and item["source_title"], item
    assert body["no_claim"] is None and body["expected_without_claim"] is None


def test_jakarta_bandung_lifecycle_claim_names_the_missing_baseline(client: TestClient) -> None:
    checks = project(client, "jakarta-bandung-hsr")["checks"]
    lifecycle = [
        c for c in checks if c["metric_slug"] == "jakarta-bandung-hsr/lifecycle-reduction-glen-2025"
    ]
    assert [c["verdict"] for c in lifecycle] == ["not_checkable"]
    assert "baseline" in lifecycle[0]["missing"]


def test_mozura_has_no_claim_but_an_expected_range(client: TestClient) -> None:
    body = project(client, "mozura-wind-park")
    assert body["checks"] == []
    assert "No emission claim" in body["no_claim"]
    expected = body["expected_without_claim"]
    assert 0 < expected["low"] <= expected["high"] and expected["unit"] == "t/yr"
    assert expected["inputs"] and expected["arithmetic"]


def test_related_projects_share_the_sector(client: TestClient) -> None:
    body = project(client, "karot-hydropower")
    related = body["related"]
    assert related and all(r["slug"] != "karot-hydropower" for r in related)
    technology = body["technology"]["slug"]
    # Same technology first.
    same = [r["technology"]["slug"] == technology for r in related]
    assert same == sorted(same, reverse=True)


def test_check_fields_are_documented(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    detail = schemas["ProjectDetail"]["properties"]
    assert {"checks", "no_claim", "expected_without_claim", "related"} <= set(detail)
    for name in ("ClaimCheckOut", "ExpectedRangeOut", "CheckInput"):
        for field, spec in schemas[name]["properties"].items():
            assert spec.get("description"), f"{name}.{field}"
