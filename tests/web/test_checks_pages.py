"""Claim checks on the pages, against the seed: verdicts beside the claims, the arithmetic with
its sources, the overview chart, the methodology section and the catalogue's verdict facet."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

EMISSION_KINDS = ("Emissions avoided", "Emissions reduction (%)")


def soup(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.text, "html.parser")


def metric_row(page: BeautifulSoup, slug: str) -> Tag:
    # A figure several sources repeat is one row naming all of its metrics.
    row = page.select_one(f'#metrics-table tr[data-metrics~="{slug}"]')
    assert row is not None, slug
    return row


def verdicts(row: Tag) -> list[str]:
    """Verdict badges of a metrics-table row, e.g. ['above range ×2.92', 'not checkable']."""
    return [" ".join(v.text.split()) for v in row.select(".verdict")]


def test_karot_ctg_claim_is_above_range_with_arithmetic_and_sources(client: TestClient) -> None:
    page = soup(client, "/projects/karot-hydropower")
    row = metric_row(page, "karot-hydropower/co2-ctg-press-release-2022")
    # One reading: the implied factor on Pakistan's baseline ladder, coal included.
    # The row groups every source that repeats the figure: each is above range.
    badges = verdicts(row)
    assert "above range ×2.6 grid average" in badges
    assert all(b.startswith("above range") for b in badges)
    assert row.select_one('a[href="#checks-title"] .verdict')
    # The explanation: the verdict text, the ladder, the arithmetic and every input's source.
    section = page.select_one("section[aria-labelledby=checks-title]")
    assert section is not None
    details = [
        item.select_one("details.check")
        for item in section.select(".checks__item")
        if "co2-ctg-press-release-2022" in item.select_one(".checks__claim a")["href"]
    ]
    assert details, "no explanation for the CTG claim"
    check = details[0]
    assert (
        "Exceeds every recognised baseline, including coal"
        in check.select_one(".check__verdict-text").text
    )
    ladder = [r.th.text.strip() for r in check.select(".check__ladder tbody tr")]
    assert ladder[-1] == "coal" and "IFI operating margin" in ladder
    assert all("rung--above" in r["class"] for r in check.select(".check__ladder tbody tr"))
    arithmetic = check.select_one(".check__arithmetic").text
    assert "implied factor" in arithmetic and "capacity factor" in arithmetic
    inputs = check.select(".check__inputs tbody tr")
    names = [r.th.text.strip() for r in inputs]
    assert {"claim", "generation", "coal", "IFI operating margin"} <= set(names)
    sources = [r.select("td")[-1] for r in inputs]
    assert all(cell.text.strip() for cell in sources)
    assert any(cell.select_one("a[href^='http']") for cell in sources)


def test_every_emission_claim_on_the_headline_pages_has_a_verdict(client: TestClient) -> None:
    for slug in ("karot-hydropower", "china-laos-railway", "jakarta-bandung-hsr"):
        page = soup(client, f"/projects/{slug}")
        rows = [
            r for r in page.select("#metrics-table tbody tr") if r.th.text.strip() in EMISSION_KINDS
        ]
        assert rows, slug
        for row in rows:
            assert verdicts(row), (slug, row["data-metric"])


def test_jakarta_bandung_lifecycle_claim_is_not_checkable_and_names_the_baseline(
    client: TestClient,
) -> None:
    page = soup(client, "/projects/jakarta-bandung-hsr")
    row = metric_row(page, "jakarta-bandung-hsr/lifecycle-reduction-glen-2025")
    assert verdicts(row) == ["not checkable"]
    item = next(
        i
        for i in page.select(".checks__item")
        if "lifecycle-reduction-glen-2025" in i.select_one(".checks__claim a")["href"]
    )
    missing = item.select_one(".check__missing").text
    assert "Not checkable" in missing and "baseline" in missing


def test_mozura_says_there_is_no_claim_and_shows_the_expected_range(client: TestClient) -> None:
    page = soup(client, "/projects/mozura-wind-park")
    section = page.select_one("section[aria-labelledby=checks-title]")
    assert section is not None
    assert "No emission claim" in section.select_one(".checks__none").text
    expected = section.select_one("details.check--expected-only")
    assert expected is not None
    assert "no claim" in expected.select_one(".verdict").text
    assert "expected" in expected.select_one(".check__range").text
    assert expected.select(".check__inputs tbody tr")
    assert not page.select("#metrics-table .verdict")


def test_overview_claim_ratio_chart(client: TestClient) -> None:
    """Claim ÷ middle of the expected range on a log axis, sorted, coloured by verdict."""
    page = soup(client, "/")
    script = page.select_one('script[type="application/json"]#ratios-data')
    assert script is not None and script.get("data-chart-for") == "ratios-plot"
    figure = json.loads(script.string)
    assert figure["layout"]["xaxis"]["type"] == "log"
    traces = {t["name"]: t for t in figure["data"]}
    above = traces["above what its inputs allow"]
    assert above["x"] and all(x > 1 for x in above["x"])
    assert all(x <= 1.5 for x in traces["within the expected range (weak check)"]["x"])
    assert traces["within the expected range (weak check)"]["marker"]["symbol"] == "circle-open"
    yaxis = figure["layout"]["yaxis"]
    labels = dict(zip(yaxis["tickvals"], yaxis["ticktext"], strict=True))
    assert any("Karot" in labels[y] for y in above["y"])
    assert "title" not in figure["layout"]  # the caption carries the title
    figure_el = page.select_one("figure[aria-labelledby=ratios-title]")
    assert figure_el is not None
    assert "log scale" in figure_el.select_one("figcaption .muted").text
    rows = figure_el.select(".chart-table tbody tr")
    ratios = [float(r.select("td")[4].text) for r in rows]
    assert ratios == sorted(ratios, reverse=True)
    assert any("Karot" in r.text and "above range" in r.text for r in rows)


def test_methodology_includes_the_checks_section(client: TestClient) -> None:
    page = soup(client, "/methodology")
    section = page.select_one("section#checks")
    assert section is not None
    assert "Plausibility checks" in section.h2.text
    cells = [td.text for td in section.select("table td")]
    assert {"consistent", "above range", "below range", "not checkable"} <= set(cells)
    assert "Power" in section.text and "Freight" in section.text
    assert not page.select("[style]") and not page.find("style")


def test_catalogue_has_a_verdict_facet_that_filters(client: TestClient) -> None:
    page = soup(client, "/projects")
    boxes = {b["value"] for b in page.select('#facet-verdict input[type="checkbox"]')}
    assert {"above_range", "not_checkable"} <= boxes
    above = soup(client, "/projects?verdict=above_range&per_page=200")
    slugs = [a["href"].rsplit("/", 1)[1] for a in above.select("#project-list .card-title a")]
    assert "karot-hydropower" in slugs and "mozura-wind-park" not in slugs
    assert above.select_one('#facet-verdict input[value="above_range"]').has_attr("checked")
