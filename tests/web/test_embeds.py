"""Every chart the site draws has a chart-only page under /embed/ that other sites may frame,
and a toolbar under it (PNG, SVG, cite this with a dated permalink, the embed code); the
embed page draws the very figure of the page it comes from (app/web/embed_pages.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.web.test_organizations import imported_app, imported_url  # noqa: F401 (fixtures)

# (page, chart id on it, its embed page) on the seed.
SEEDED = [
    ("/", "ratios", "/embed/claims"),
    ("/", "ladder", "/embed/ladder"),
    ("/", "map", "/embed/map"),
    ("/methodology", "ladder", "/embed/ladder"),
    ("/projects", "claims", "/embed/projects"),
    (
        "/projects?sector=energy&status=operational",
        "claims",
        "/embed/projects?sector=energy&status=operational",
    ),
    ("/countries/PAK", "claims", "/embed/projects?country=PAK"),
    ("/sectors/transport", "claims", "/embed/projects?sector=transport"),
    ("/projects/karot-hydropower", "project-ratios", "/embed/projects/karot-hydropower/claims"),
    ("/projects/karot-hydropower", "ladder", "/embed/projects/karot-hydropower/ladder"),
    ("/projects/karot-hydropower", "metric-t-yr", "/embed/projects/karot-hydropower/figures/t-yr"),
    ("/projects/karot-hydropower", "location-map", "/embed/projects/karot-hydropower/map"),
    (
        "/projects/china-laos-railway",
        "metric-percent",
        "/embed/projects/china-laos-railway/figures/percent",
    ),
]
# With the AidData import (as `make run` prepares it): the financing charts.
IMPORTED = [
    ("/organizations", "lenders", "/embed/organizations/lenders"),
    ("/organizations", "sector-years", "/embed/organizations/sector-years"),
    (
        "/organizations/china-exim",
        "org-sector-years",
        "/embed/organizations/china-exim/sector-years",
    ),
]
# Pages that draw charts: every drawn chart on them must have its toolbar and embed page.
CHART_PAGES = sorted({page for page, _id, _embed in SEEDED})


@pytest.fixture(scope="module")
def imported(imported_app: Any) -> Iterator[TestClient]:  # noqa: F811 (the fixture above)
    with TestClient(imported_app) as client:
        yield client


def soup(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    return BeautifulSoup(response.text, "html.parser")


def figure_of(page: BeautifulSoup, chart_id: str) -> str:
    script = page.select_one(f"script#{chart_id}-data")
    assert script is not None, chart_id
    return script.text


def public_url(client: TestClient) -> str:
    return str(client.app.state.settings.public_url).rstrip("/")  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", CHART_PAGES)
def test_every_drawn_chart_has_downloads_cite_and_embed(client: TestClient, path: str) -> None:
    page = soup(client, path)
    drawn = [f for f in page.select("figure.chart") if f.select("[data-chart]")]
    assert drawn, path
    for figure in drawn:
        tools = figure.select_one(".chart-tools")
        assert tools is not None, figure.get("aria-labelledby")
        formats = [b["data-chart-download"] for b in tools.select("[data-chart-download]")]
        assert formats == ["png", "svg"]
        assert tools.select_one(".chart-cite") and tools.select_one(".chart-embed")


def _check_embed(client: TestClient, host: str, chart_id: str, embed: str) -> None:
    page = soup(client, host)
    title = page.select_one(f"#{chart_id}-title")
    assert title is not None, (host, chart_id)
    tools = title.find_parent("figure").select_one(".chart-tools")
    code = tools.select_one(".chart-embed").text
    base = public_url(client)
    assert re.fullmatch(
        rf'<iframe src="{re.escape(base + embed)}" title="[^"]+" .*></iframe>', code
    )
    cite = tools.select_one(".chart-cite").text
    assert re.search(r"Dataset version \d+ of \d{4}-\d\d-\d\d\. ", cite), cite
    assert cite.endswith(f"{base}{host}#{chart_id}-title")
    assert title.text in cite

    response = client.get(embed)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "frame-ancestors 'none'" not in csp
    assert "x-frame-options" not in response.headers
    framed = BeautifulSoup(response.text, "html.parser")
    # The same figure as on its page, with the same toolbar, and a way back to that page.
    assert figure_of(framed, chart_id) == figure_of(page, chart_id)
    assert framed.select_one(f"#{chart_id}-plot[data-chart]") is not None
    assert framed.select_one(f"h1#{chart_id}-title").text == title.text
    assert framed.select_one(".chart-embed").text == code
    # The way back: a page of ours with the same figure (for a chart several pages draw,
    # one of them: the catalogue for a country's, the methodology for the ladder).
    back = framed.select_one(".embed-credit a")["href"]
    assert back.startswith("/") and back.endswith(f"#{chart_id}-title")
    assert figure_of(soup(client, back.split("#")[0]), chart_id) == figure_of(page, chart_id)
    # Only the embed page may be framed.
    refused = client.get(host)
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
    assert refused.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(("host", "chart_id", "embed"), SEEDED)
def test_embed_page_draws_its_page_s_chart_and_may_be_framed(
    client: TestClient, host: str, chart_id: str, embed: str
) -> None:
    _check_embed(client, host, chart_id, embed)


@pytest.mark.parametrize(("host", "chart_id", "embed"), IMPORTED)
def test_financing_charts_embed_too(
    imported: TestClient, host: str, chart_id: str, embed: str
) -> None:
    _check_embed(imported, host, chart_id, embed)


def test_catalogue_embed_keeps_the_filter(client: TestClient) -> None:
    """The catalogue chart's embed URL carries the filter (not the sort, page or view)."""
    page = soup(client, "/projects?sector=transport&sort=-capacity&page=1&per_page=5&view=table")
    code = page.select_one("#claims-title").find_parent("figure").select_one(".chart-embed").text
    assert "/embed/projects?sector=transport&quot;" in code.replace('"', "&quot;")
    framed = soup(client, "/embed/projects?sector=transport")
    energy = soup(client, "/embed/projects?sector=energy")
    assert figure_of(framed, "claims") != figure_of(energy, "claims")
    rows = [tr.select("td")[1].text for tr in framed.select(".chart-table tbody tr")]
    assert rows and set(rows) == {"Transport"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/embed/projects/karot-hydropower/figures/kg", 404),
        ("/embed/projects/no-such-project/claims", 404),
        ("/embed/projects/no-such-project/map", 404),
        ("/embed/organizations/nobody/sector-years", 404),
        ("/embed/projects?sector=no-such-sector", 422),
        ("/embed/elsewhere", 404),
    ],
)
def test_embed_errors(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert "frame-ancestors *" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_anchors_are_unique(client: TestClient, path: str) -> None:
    """A permalink's anchor names one element (the Location heading and the location map's
    title were both `location-title`)."""
    ids = [tag["id"] for tag in soup(client, path).select("[id]")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
