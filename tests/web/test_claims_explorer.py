"""The claims explorer against the seed: /claims, its permalinks, /api/v1/claims and
/claims.csv answer the same filter with the same claims."""

from __future__ import annotations

import csv
import io

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import text

HTMX = {"HX-Request": "true"}


def soup(client: TestClient, url: str, **headers: str) -> BeautifulSoup:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return BeautifulSoup(response.text, "html.parser")


def rows(page: BeautifulSoup) -> dict[str, str]:
    """{claim slug: the row's text} of the explorer table."""
    return {
        tr["data-claim"]: " ".join(tr.text.split())
        for tr in page.select("#claims-table tr[data-claim]")
    }


def above_range_in_database(seeded_app) -> set[str]:  # type: ignore[no-untyped-def]
    with seeded_app.state.engine.connect() as conn:
        found = conn.execute(
            text("SELECT DISTINCT metric_slug FROM claim_check WHERE verdict = 'above_range'")
        )
        return {row[0] for row in found}


def test_above_range_lists_every_claim_that_exceeds_its_inputs_with_why(
    client: TestClient, seeded_app
) -> None:  # type: ignore[no-untyped-def]
    expected = above_range_in_database(seeded_app)
    assert expected
    page = soup(client, "/claims?verdict=above_range&per_page=200")
    listed = rows(page)
    assert set(listed) == expected
    for slug, row_text in listed.items():
        assert "above range" in row_text and (
            "× expected" in row_text or "× the grid average" in row_text
        ), slug
        # The reason: the tonnes the inputs allow, or (power claims) the baselines exceeded.
        assert "what its inputs allow" in row_text or "recognised baseline" in row_text, slug
    karot = listed["karot-hydropower/co2-qin-guobin-2022"]
    assert "Qin Guobin" in karot and "2022" in karot and "3.5 Mt CO2" in karot


def test_each_row_has_project_claimant_value_period_check_and_source(client: TestClient) -> None:
    page = soup(client, "/claims?per_page=200")
    trs = page.select("#claims-table tr[data-claim]")
    assert len(trs) == int(page.select_one(".result-count strong").text) > 40
    for tr in trs:
        cells = {td["data-label"]: td for td in tr.select("[data-label]")}
        assert {"Project", "Claim", "Check", "Source"} <= set(cells)
        assert cells["Claim"].select_one("a.claim__value")["href"] == f"/claims/{tr['data-claim']}"
        assert cells["Check"].select(".chip") and cells["Check"].select(".why")
    not_checkable = page.select(
        'tr[data-claim="bogota-electric-buses/co2-byd-first-year-2019"] .why'
    )
    assert "Not checkable: missing" in not_checkable[0].text


def test_filters_combine_and_the_fragment_matches_the_page(client: TestClient) -> None:
    url = "/claims?sector=energy&country=PAK&claimant=ctg&period=annual"
    full = soup(client, url)
    fragment = soup(client, url, **HTMX)
    assert fragment.find(id="claims-body") and not fragment.find(id="claimant")
    assert rows(full) == rows(fragment)
    listed = rows(full)
    assert listed and all(slug.startswith("karot-hydropower/") for slug in listed)
    assert all("ctg" in text.lower() for text in listed.values())
    chips = [a.text for a in full.select(".active-filters .filter-chip")]
    assert len(chips) == 4 and any("Claimant: ctg" in c for c in chips)
    remove = full.select_one('.filter-chip[aria-label^="Remove filter Claimant"]')["href"]
    assert "claimant" not in remove and "sector=energy" in remove


def test_sort_by_ratio_and_pages(client: TestClient) -> None:
    page = soup(client, "/claims?sort=-ratio&per_page=5")
    first = list(rows(page))
    api = client.get("/api/v1/claims?sort=-ratio&per_page=5").json()["items"]
    assert [item["slug"] for item in api] == first
    top = [max((c["ratio"] or 0) for c in item["checks"]) for item in api]
    assert top == sorted(top, reverse=True) and top[0] > 1
    assert "page=2" in page.select_one('.pagination a[rel="next"]')["href"]
    second = list(rows(soup(client, "/claims?sort=-ratio&per_page=5&page=2")))
    assert not set(first) & set(second)


def test_facets_count_claims_and_show_more_instead_of_scrolling(client: TestClient) -> None:
    page = soup(client, "/claims")
    verdicts = {b["value"] for b in page.select('#facet-verdict input[type="checkbox"]')}
    assert verdicts == {"above_range", "below_range", "consistent", "not_checkable"}
    countries = page.select('#facet-country input[type="checkbox"]')
    assert len(countries) > 7
    assert page.select("#facet-country details.facet-more input")


def test_unknown_values_are_422_not_empty(client: TestClient) -> None:
    assert client.get("/claims?verdict=wrong").status_code == 422
    assert client.get("/claims?sector=nowhere").status_code == 422
    assert client.get("/claims?colour=red").status_code == 422
    assert client.get("/api/v1/claims?country=XXX").status_code == 422
    assert client.get("/claims.csv?period=weekly").status_code == 422
    assert client.get("/claims/karot-hydropower/no-such-claim").status_code == 404
    assert client.get("/api/v1/claims/no/such").status_code == 404


def test_permalink_shows_the_check_in_full(client: TestClient) -> None:
    page = soup(client, "/claims/karot-hydropower/co2-qin-guobin-2022")
    assert "3.5 Mt CO2" in page.h1.text and "Karot" in page.h1.text
    assert "Qin Guobin" in page.select_one(".lede").text
    why = " ".join(page.select_one(".why-list").text.split())
    assert (
        "above range" in why and "exceeds every recognised baseline, including coal" in why.lower()
    )
    checks = page.select("details.check[open]")
    assert len(checks) == 1 and page.select(".check__arithmetic")
    assert page.select(".check__inputs tbody tr")


def test_api_and_csv_answer_the_same_filter(client: TestClient) -> None:
    query = "verdict=above_range&sort=-ratio"
    api = client.get(f"/api/v1/claims?{query}&per_page=200").json()
    page = soup(client, f"/claims?{query}&per_page=200")
    assert [c["slug"] for c in api["items"]] == list(rows(page))
    assert api["total"] == len(api["items"])
    first = api["items"][0]
    assert first["checks"][0]["verdict"] == "above_range" and first["checks"][0]["why"]
    assert first["url"].startswith("/claims/")
    one = client.get(f"/api/v1/claims/{first['slug']}").json()
    assert one["slug"] == first["slug"]
    response = client.get(f"/claims.csv?{query}")
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["claim_slug"] for r in table] == [c["slug"] for c in api["items"]]
    assert {r["verdict"] for r in table} == {"above_range"}
    assert all(r["why"] and r["readings"] for r in table)
    karot = next(r for r in table if r["claim_slug"] == "karot-hydropower/co2-qin-guobin-2022")
    assert "as stated: above range" in karot["readings"]
    assert "exceeds every recognised baseline, including coal" in karot["why"].lower()


def test_catalogue_cards_show_each_projects_claims_with_claimant_and_verdict(
    client: TestClient,
) -> None:
    page = soup(client, "/projects?sector=transport&region=south-eastern-asia")
    cards = {
        card.select_one(".card-title a")["href"].rsplit("/", 1)[1]: card
        for card in page.select("#project-list .card")
    }
    assert set(cards) == {"china-laos-railway", "jakarta-bandung-hsr"}
    for card in cards.values():
        line = card.select_one(".claim-line")
        assert line.select_one(".claim__who").text.strip() and line.select(".chip")
        assert "claims checked" in card.select_one(".card__more").text
    assert "1.86 Mt CO2" in cards["china-laos-railway"].text
    assert "Xinhua" in cards["china-laos-railway"].select_one(".claim__who").text
    chips = [" ".join(a.text.split()) for a in page.select(".active-filters .filter-chip")]
    assert chips == ["Sector: Transport ×", "Region: South-eastern Asia ×"]
    assert page.select_one('a.skip[href="#results"]')
    assert not page.select("#claims-chart-fold")  # nothing to chart: no empty chart box


def test_capacity_sort_keeps_units_apart(client: TestClient) -> None:
    page = soup(client, "/projects?sort=-capacity&per_page=200")
    units: list[str] = []
    for card in page.select("#project-list .card"):
        dd = card.find("dt", string="Capacity").find_next("dd").text.strip()
        if dd != "—":
            units.append(dd.split()[-1])
    # Each unit forms one run: MW never interleaves with km.
    runs = [u for i, u in enumerate(units) if i == 0 or units[i - 1] != u]
    assert len(runs) == len(set(runs)) > 1


def test_every_qualifier_is_said_as_stated() -> None:
    from app.metrics.model import Qualifier
    from app.queries.claim_list import as_stated

    for qualifier in Qualifier:
        text = as_stated(qualifier=qualifier.value, value=4, value_high=None, unit="Mt", kind="x")
        if qualifier is Qualifier.exact:
            assert text == "4 Mt"
        else:
            assert text.startswith(qualifier.value.replace("_", " ") + " "), qualifier
