"""The catalogue's table view in real Chromium at 1280 and 390 px: the toggle, the view kept
across a filter swap, and a phone layout (stacked rows) with no page-level sideways scroll.
Screenshots: tests/screenshots/catalogue-table-{width}.png (copies in docs/screenshots/)."""

from __future__ import annotations

import pytest

from tests.browser.test_claims_browser import SIZES, open_page, shoot

pytestmark = pytest.mark.browser

DONE_WHEN = "/projects?sector=transport&region=south-eastern-asia&view=table"


@pytest.mark.parametrize("width", SIZES)
def test_table_toggle_is_kept_across_a_filter_swap(browser, live_server: str, width: int) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = open_page(browser, live_server, "/projects", width)
    assert page.locator("#project-list .card").count() > 0
    assert page.locator('.view-toggle a[aria-current="true"]').inner_text() == "Cards"
    with page.expect_response(lambda r: "view=table" in r.url):
        page.click('.view-toggle a:text-is("Table")')
    page.wait_for_function("() => location.search.includes('view=table')")
    page.wait_for_selector("#project-table")
    assert page.locator('.view-toggle a[aria-current="true"]').inner_text() == "Table"
    rows = page.locator("#project-table tbody tr").count()
    assert rows > 0 and page.locator("#project-list").count() == 0
    # A ticked box swaps the results by htmx; the view stays a table.
    if not page.locator("#facets-panel").evaluate("el => el.open"):
        page.click("#facets-panel > summary")
    with page.expect_response(lambda r: "sector=transport" in r.url and "view=table" in r.url):
        page.check("#f-sector-transport")
    page.wait_for_function("() => location.search.includes('sector=transport')")
    page.wait_for_selector(".filter-chip")
    assert "view=table" in page.evaluate("location.search")
    assert 0 < page.locator("#project-table tbody tr").count() < rows
    assert page.locator('.view-toggle a[aria-current="true"]').inner_text() == "Table"
    # Removing the chip keeps the view too.
    with page.expect_response(lambda r: "/projects" in r.url):
        page.click(".filter-chip")
    page.wait_for_function("() => !location.search.includes('sector=')")
    assert page.locator("#project-table tbody tr").count() == rows
    context.close()
    watch.assert_clean()


@pytest.mark.parametrize("width", SIZES)
def test_table_answers_who_claims_what_and_fits_a_phone(
    browser, live_server: str, width: int
) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = open_page(browser, live_server, DONE_WHEN, width)
    rows = page.locator("#project-table tbody tr")
    assert rows.count() >= 2
    for slug in ("china-laos-railway", "jakarta-bandung-hsr"):
        row = page.locator(f'#project-table tr[data-project="{slug}"]')
        assert row.locator(".claim__who").first.inner_text().strip()
        assert row.locator(".chip").count() >= 1
    table = page.locator("#project-table").bounding_box()
    assert table is not None and table["x"] + table["width"] <= width
    if width == 390:
        # Stacked: the header row is off-screen, each row a card no wider than the screen,
        # its short cells one line each.
        assert page.locator("#project-table thead").bounding_box()["x"] < 0
        for i in range(rows.count()):
            box = rows.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        status = page.locator(
            '#project-table tr[data-project="china-laos-railway"] td[data-label="Status"]'
        )
        assert status.bounding_box()["height"] < 40
    else:
        headers = page.locator("#project-table thead th").all_inner_texts()
        assert headers[0].startswith("Project") and headers[-1] == "Claims checked"
    shoot(page, "catalogue-table", width)  # also asserts no page-level horizontal overflow
    context.close()
    watch.assert_clean()
