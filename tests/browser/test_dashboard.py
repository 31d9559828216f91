"""The dashboard in real Chromium: live filters, history, charts, CSP, no-JS, screenshots."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import SCREENSHOTS, watched_page

pytestmark = pytest.mark.browser

HEADLINE = ("mozura-wind-park", "karot-hydropower", "china-laos-railway", "jakarta-bandung-hsr")
CHART_PAGES = (
    "/",
    "/projects",
    "/projects/karot-hydropower",
    "/sectors/transport",
    "/countries/PAK",
)


def listed(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#project-list .card-title a", "els => els.map(a => a.getAttribute('href'))"
    )


def query(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return parse_qs(urlsplit(page.url).query)


def test_filters_narrow_the_list_push_the_url_and_back_restores(
    page_and_watch, live_server: str
) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}/projects?per_page=200")
    everything = listed(page)
    assert "/projects/karot-hydropower" in everything

    with page.expect_response(lambda r: "sector=transport" in r.url):
        page.check("#f-sector-transport")
    page.wait_for_function("() => location.search.includes('sector=transport')")
    page.wait_for_selector("#f-sector-transport:checked")
    transport = listed(page)
    assert "/projects/china-laos-railway" in transport
    assert "/projects/karot-hydropower" not in transport
    assert len(transport) < len(everything)
    assert query(page)["sector"] == ["transport"]

    with page.expect_response(lambda r: "country=LAO" in r.url):
        page.check("#f-country-LAO")
    page.wait_for_function("() => location.search.includes('country=LAO')")
    page.wait_for_selector("#f-country-LAO:checked")
    laos = listed(page)
    assert laos == ["/projects/china-laos-railway"] or (
        "/projects/china-laos-railway" in laos and len(laos) < len(transport)
    )
    assert query(page)["country"] == ["LAO"]

    page.go_back()
    page.wait_for_function("() => !location.search.includes('country=LAO')")
    page.wait_for_selector("#f-country-LAO:not(:checked)")
    assert listed(page) == transport
    assert page.is_checked("#f-sector-transport")
    page.go_back()
    page.wait_for_function("() => !location.search.includes('sector=')")
    page.wait_for_selector("#f-sector-transport:not(:checked)")
    assert listed(page) == everything
    watch.assert_clean()


def test_chart_follows_the_filter(page_and_watch, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}/projects")
    page.wait_for_selector("#claims-plot svg")
    with page.expect_response(lambda r: "sector=energy" in r.url):
        page.check("#f-sector-energy")
    page.wait_for_function("() => location.search.includes('sector=energy')")
    page.wait_for_selector("#claims-plot svg")
    labels = page.eval_on_selector_all(
        "#claims-plot .ytick text", "els => els.map(e => e.textContent)"
    )
    assert any("Karot" in label for label in labels)
    assert not any("Laos" in label for label in labels)
    watch.assert_clean()


@pytest.mark.parametrize("path", CHART_PAGES)
def test_every_chart_draws_without_errors_or_foreign_requests(
    page_and_watch, live_server: str, path: str
) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}{path}", wait_until="networkidle")
    plots = page.query_selector_all("[data-chart]")
    assert plots, f"no chart on {path}"
    for plot in plots:
        plot.wait_for_selector("svg.main-svg")
    if page.query_selector("#map-plot, #location-map-plot"):
        page.wait_for_selector(".geo .countries path, .geo .land path")
    watch.assert_clean()


@pytest.mark.parametrize("slug", HEADLINE)
def test_headline_project_pages_show_claims_with_sources(
    page_and_watch, live_server: str, slug: str
) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}/projects/{slug}", wait_until="networkidle")
    rows = page.query_selector_all("#metrics-table tbody tr")
    assert rows
    for row in rows:
        assert row.query_selector(".badge")
        assert row.query_selector(".source-cell").inner_text().strip()
    assert page.query_selector_all("#metrics-table .source-cell a[href^='http']")
    watch.assert_clean()


def test_catalogue_works_without_javascript(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(browser, live_server, java_script_enabled=False)
    page.goto(f"{live_server}/projects")
    page.check("#f-sector-transport")
    page.click("button[type=submit]")
    page.wait_for_url("**/projects?*sector=transport*")
    assert "/projects/china-laos-railway" in listed(page)
    assert "/projects/karot-hydropower" not in listed(page)
    page.check("#f-country-IDN")
    page.click("button[type=submit]")
    page.wait_for_url("**country=IDN*")
    assert listed(page) and all("jakarta" in href or "indonesia" in href for href in listed(page))
    context.close()
    watch.assert_clean()


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots(browser, live_server: str, width: int) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, watch = watched_page(
        browser, live_server, viewport={"width": width, "height": 900}, device_scale_factor=1
    )
    shots = {
        "overview": "/",
        "catalogue": "/projects?sector=transport&region=south-eastern-asia",
        "project": "/projects/karot-hydropower",
    }
    for name, path in shots.items():
        page.goto(f"{live_server}{path}", wait_until="networkidle")
        for plot in page.query_selector_all("[data-chart]"):
            plot.wait_for_selector("svg.main-svg")
        if page.query_selector("#map-plot, #location-map-plot"):
            page.wait_for_selector(".geo .countries path, .geo .land path")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=width > 400)
        # No horizontal scrolling at any width.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 1, f"{path} overflows by {overflow}px at {width}px"
    context.close()
    watch.assert_clean()


def test_narrow_screen_folds_the_filters_above_the_results(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """At 390 px the results are on the first screen; the filters open with one tap, a filter
    works from there, and the panel stays open across the htmx swap. At 1280 px it is a
    column that cannot be folded."""
    context, page, watch = watched_page(
        browser, live_server, viewport={"width": 390, "height": 844}
    )
    page.goto(f"{live_server}/projects", wait_until="networkidle")
    panel = page.locator("#facets-panel")
    assert panel.evaluate("el => el.open") is False
    count = page.locator(".result-count").bounding_box()
    assert count is not None and count["y"] < 600
    page.click("#facets-panel > summary")
    page.check("#f-country-PAK")
    page.wait_for_url("**country=PAK*")
    page.wait_for_selector("#facets-panel summary >> text=(1 active)")
    assert panel.evaluate("el => el.open") is True
    assert listed(page) and all("/projects/" in href for href in listed(page))
    context.close()
    watch.assert_clean()

    context, page, watch = watched_page(
        browser, live_server, viewport={"width": 1280, "height": 900}
    )
    page.goto(f"{live_server}/projects", wait_until="networkidle")
    assert page.locator("#facets-panel").evaluate("el => el.open") is True
    assert not page.locator("#facets-panel > summary").is_visible()
    context.close()
    watch.assert_clean()
