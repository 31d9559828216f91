"""The catalogue's table view over HTTP: `?view=table` (a page-only parameter, app/filtering.py
PageView) lays the same projects out as a table, and every link of the page keeps it."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

HTMX = {"HX-Request": "true"}


def soup(client: TestClient, url: str, **headers: str) -> BeautifulSoup:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.text[:300])
    return BeautifulSoup(response.text, "html.parser")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_default_is_cards_and_table_lists_the_same_projects(client: TestClient) -> None:
    cards = soup(client, "/projects?sector=energy")
    assert cards.select("#project-list .card") and not cards.select("#project-table")
    table = soup(client, "/projects?sector=energy&view=table")
    assert table.select("#project-table") and not table.select("#project-list")
    card_links = [a["href"] for a in cards.select("#project-list .card-title a")]
    row_links = [a["href"] for a in table.select("#project-table th[scope=row] > a")]
    assert row_links == card_links
    assert table.select_one(".result-count").text == cards.select_one(".result-count").text


@pytest.mark.parametrize("view", ["cards", "table"])
def test_toggle_shows_the_active_view_and_keeps_filter_sort_and_page(
    client: TestClient, view: str
) -> None:
    url = f"/projects?sector=energy&sort=-capacity&page=2&per_page=5&view={view}"
    page = soup(client, url)
    options = page.select(".view-toggle a")
    assert [a.text for a in options] == ["Cards", "Table"]
    current = [a.text for a in options if a.get("aria-current")]
    assert current == [view.capitalize()]
    for a in options:
        query = query_of(a["href"])
        assert query["sector"] == ["energy"] and query["sort"] == ["-capacity"]
        assert query["page"] == ["2"] and query["per_page"] == ["5"]
        assert query.get("view", ["cards"]) == [a.text.lower()]
        assert a["hx-get"] == a["href"]


def test_table_view_is_kept_by_pages_chips_and_the_form(client: TestClient) -> None:
    page = soup(client, "/projects?sector=energy&status=operational&per_page=5&view=table")
    links = [a["href"] for a in page.select(".pagination a, .active-filters a")]
    assert len(links) >= 4  # next page, two chips, clear all
    for href in links:
        assert query_of(href).get("view") == ["table"], href
    # The filter form's next request (a ticked box, the sort) carries the view.
    hidden = page.select("form#filters input[type=hidden][name=view]")
    assert [field["value"] for field in hidden] == ["table"]
    cards = soup(client, "/projects?sector=energy&per_page=5")
    assert not cards.select("input[name=view]")
    for a in cards.select(".pagination a, .active-filters a"):
        assert "view" not in query_of(a["href"])
    # Downloads take the filter only.
    for a in page.select("#downloads a"):
        assert "view" not in query_of(a["href"])


def test_htmx_fragment_takes_the_view(client: TestClient) -> None:
    fragment = soup(client, "/projects?sector=transport&view=table", **HTMX)
    assert fragment.select_one("#catalogue") is not None
    assert fragment.select("#project-table tr[data-project]")
    assert fragment.select_one("h1") is None  # the block, not the page


def test_each_row_has_name_technology_countries_status_capacity_claims(
    client: TestClient,
) -> None:
    page = soup(client, "/projects?view=table&per_page=200")
    rows = page.select("#project-table tbody tr")
    assert len(rows) == int(page.select_one(".result-count strong").text.replace(",", ""))
    headers = [th.text for th in page.select("#project-table thead th")]
    assert headers == [
        "Project, technology",
        "Countries",
        "Status",
        "Capacity",
        "Main claim, who, when",
        "Claims checked",
    ]
    karot = page.select_one('#project-table tr[data-project="karot-hydropower"]')
    text = " ".join(karot.text.split())
    assert "Karot Hydropower Project" in text and "Hydropower" in text and "Pakistan" in text
    assert "720 MW" in text and "Operational" in text
    assert "above range" in text and "claims" in text
    chinese = page.select('#project-table [lang="zh"]')
    assert chinese and all(span.text.strip() for span in chinese)
    for tr in rows:  # the stacked phone layout labels every cell
        assert all(td.get("data-label") for td in tr.select("td"))


def test_done_when_transport_in_south_east_asia_shows_claims_claimant_and_verdict(
    client: TestClient,
) -> None:
    """Issue 15's first question, answered by the table as by the cards."""
    page = soup(client, "/projects?sector=transport&region=south-eastern-asia&view=table")
    with_claims = [
        tr for tr in page.select("#project-table tbody tr") if "No emission claim" not in tr.text
    ]
    assert {tr["data-project"] for tr in with_claims} >= {
        "china-laos-railway",
        "jakarta-bandung-hsr",
    }
    for tr in with_claims:
        assert tr.select(".claim__who") and tr.select_one(".claim__who").text.strip()
        assert tr.select(".chip"), tr["data-project"]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
@pytest.mark.parametrize("value", ["tiles", "TABLE", "0"])
def test_a_bad_view_is_a_422_naming_it(client: TestClient, headers: dict, value: str) -> None:  # type: ignore[type-arg]
    response = client.get(f"/projects?view={value}", headers=headers)
    assert response.status_code == 422
    assert "view" in response.text and "cards" in response.text and "table" in response.text


@pytest.mark.parametrize(
    "path", ["/api/v1/projects", "/projects.csv", "/projects.geojson", "/embed/projects"]
)
def test_api_downloads_and_embed_refuse_view(client: TestClient, path: str) -> None:
    """`view` lays out a page; where there is no layout to choose it is an unknown parameter."""
    response = client.get(f"{path}?view=table")
    assert response.status_code == 422
    assert "unknown query parameter 'view'" in html.unescape(response.text)


@pytest.mark.parametrize(
    "query",
    ["sector=energy", "country=PAK&status=operational", "q=solar", "verdict=above_range", ""],
)
def test_facet_lists_of_another_sort_or_page_equal_a_fresh_drawing(
    client: TestClient, query: str
) -> None:
    """The facet lists are kept per filter (app/web/facet_panel.py): another sort, page or view
    of the filter shows the same checkboxes and counts as a drawing with nothing cached, and
    a different filter does not get them."""
    from app.queries import cache

    def panel(url: str, **headers: str) -> str:
        found = soup(client, url, **headers).select("#facets-panel fieldset.facet")
        assert len(found) == 7, url
        return "".join(map(str, found))

    first = panel(f"/projects?{query}&sort=-claimed")
    again = panel(f"/projects?{query}&sort=opened&page=2&view=table", **HTMX)
    cache.clear()
    fresh = panel(f"/projects?{query}&sort=-capacity")
    assert first == again == fresh
    assert panel(f"/projects?{query}&status=planned&sort=-claimed") != first
