"""The claims-first pages in real Chromium at 1280 and 390 px: the overview's first screen,
the claims explorer, the catalogue's claim cards, the project page, chart downloads, embeds,
language marks and heading order. Screenshots go to tests/screenshots/ (copies in docs/)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import CHROMIUM_ARGS, SCREENSHOTS, chromium_path, watched_page

pytestmark = pytest.mark.browser

SIZES = {1280: 800, 390: 844}
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_page(browser, live_server: str, path: str, width: int):  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(
        browser,
        live_server,
        viewport={"width": width, "height": SIZES[width]},
        device_scale_factor=1,
    )
    page.goto(f"{live_server}{path}", wait_until="networkidle")
    for plot in page.query_selector_all("[data-chart]"):
        plot.wait_for_selector("svg.main-svg")
    return context, page, watch


def shoot(page, name: str, width: int, *, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=full_page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 1, f"{page.url} overflows by {overflow}px at {width}px"


def on_first_screen(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("width", SIZES)
def test_overview_first_screen_states_claims_checked_and_verdicts(
    browser, live_server: str, width: int
) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = open_page(browser, live_server, "/", width)
    lede = page.locator(".finding__lede").inner_text()
    assert re.search(r"checked \d[\d,]* emission claims", lede)
    assert on_first_screen(page, ".finding__lede")
    assert on_first_screen(page, "#verdict-counts")
    counts = page.locator("#verdict-counts a").all_inner_texts()
    assert len(counts) == 4 and any("more than their inputs allow" in c for c in counts)
    # The claims chart comes next, drawn on a log axis with claimant-and-year labels.
    chart = page.locator("#ratios-plot").bounding_box()
    counts_box = page.locator("#verdict-counts").bounding_box()
    assert chart is not None and counts_box is not None and chart["y"] > counts_box["y"]
    labels = page.eval_on_selector_all(
        "#ratios-plot .ytick text", "els => els.map(e => e.textContent)"
    )
    assert any("Karot" in label for label in labels)
    assert any(re.search(r"20\d\d", label) for label in labels)
    cards = page.locator("#headline-title ~ .cards .card").all_inner_texts()
    assert len(cards) == 4 and not any("Largest annual claim" in c for c in cards)
    assert any("1.86 Mt CO2" in c and "Xinhua" in c for c in cards)
    shoot(page, "overview", width, full_page=False)
    context.close()
    watch.assert_clean()


@pytest.mark.parametrize("width", SIZES)
def test_claims_explorer_above_range_lists_each_claim_with_why(
    browser, live_server: str, width: int
) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = open_page(browser, live_server, "/claims?verdict=above_range", width)
    rows = page.locator("#claims-table tr[data-claim]")
    total = int(page.locator(".result-count strong").inner_text())
    assert rows.count() == total > 0
    for i in range(rows.count()):
        text = rows.nth(i).inner_text()
        # The reason: what the inputs allow, or (power claims) the baselines it exceeds.
        assert "above range" in text
        assert "what its inputs allow" in text or "recognised baseline" in text
    if width == 390:
        # Stacked: each row is a card, its cells labelled.
        assert page.locator("#claims-table thead").bounding_box()["x"] < 0
    shoot(page, "claims", width)
    context.close()
    watch.assert_clean()


def test_claims_explorer_filters_live_and_chips_remove_them(
    page_and_watch, live_server: str
) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}/claims", wait_until="networkidle")
    everything = page.locator("#claims-table tr[data-claim]").count()
    with page.expect_response(lambda r: "verdict=consistent" in r.url):
        page.check("#f-verdict-consistent")
    page.wait_for_function("() => location.search.includes('verdict=consistent')")
    page.wait_for_selector(".filter-chip")
    consistent = page.locator("#claims-table tr[data-claim]").count()
    assert 0 < consistent < everything
    with page.expect_response(lambda r: "/claims" in r.url):
        page.click(".filter-chip")
    page.wait_for_function("() => !location.search.includes('verdict=')")
    page.wait_for_selector("#f-verdict-consistent:not(:checked)")
    assert page.locator("#claims-table tr[data-claim]").count() == everything
    page.click("#claims-table tr[data-claim] a.claim__value >> nth=0")
    page.wait_for_selector("#arithmetic-title")
    assert page.locator("details.check[open]").count() >= 1
    assert "Not checkable: missing" in page.locator(".why-list").inner_text()
    watch.assert_clean()


@pytest.mark.parametrize("width", SIZES)
def test_catalogue_cards_answer_who_claims_what(browser, live_server: str, width: int) -> None:  # type: ignore[no-untyped-def]
    path = "/projects?sector=transport&region=south-eastern-asia"
    context, page, watch = open_page(browser, live_server, path, width)
    cards = page.locator("#project-list .card")
    assert cards.count() == 2
    for i in range(2):
        card = cards.nth(i)
        assert card.locator(".claim-line .claim__who").first.inner_text().strip()
        assert card.locator(".claim-line .chip").count() >= 1
    assert page.locator(".active-filters .filter-chip").count() == 2
    assert on_first_screen(page, ".result-count") or width == 390
    shoot(page, "catalogue", width)
    context.close()
    watch.assert_clean()


@pytest.mark.parametrize("width", SIZES)
def test_karot_page_leads_with_the_check(browser, live_server: str, width: int) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = open_page(browser, live_server, "/projects/karot-hydropower", width)
    assert on_first_screen(page, "#summary-title")
    first = page.locator(".glance > li").first.inner_text()
    assert "3.5 Mt CO2" in first and "above range" in first
    checks = page.locator("#checks-title").bounding_box()
    figures = page.locator("#metrics-title").bounding_box()
    assert checks is not None and figures is not None and checks["y"] < figures["y"]
    page.click('.on-page a[href="#references-title"]')
    page.wait_for_function("() => location.hash === '#references-title'")
    shoot(page, "project-karot", width)
    context.close()
    watch.assert_clean()


def test_chart_downloads_png_and_svg(page_and_watch, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}/", wait_until="networkidle")
    page.wait_for_selector("#ratios-plot svg.main-svg")
    for fmt in ("png", "svg"):
        button = f'[data-chart-download="{fmt}"][data-chart-target="ratios-plot"]'
        with page.expect_download() as info:
            page.click(button)
        download = info.value
        assert download.suggested_filename == f"green-bri-ratios.{fmt}"
        with open(download.path(), "rb") as handle:
            head = handle.read(64)
        assert head.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in head
    embed = page.locator("#ratios-plot ~ .chart-tools .chart-embed").text_content()
    assert "<iframe" in embed and "/embed/claims" in embed
    watch.assert_clean()


def test_embed_pages_may_be_framed_and_other_pages_may_not(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    # The framing page stands for another site. Chromium refuses a public site's frames onto
    # 127.0.0.1 whatever our headers say (local network access); that check is switched off
    # here so that only our frame-ancestors policy decides.
    outside_browser = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    context = outside_browser.new_context()
    page = context.new_page()
    outside = "http://elsewhere.example/"
    frames = (
        f'<iframe id="embed" src="{live_server}/embed/claims"></iframe>'
        f'<iframe id="page" src="{live_server}/claims"></iframe>'
    )
    page.route(outside, lambda route: route.fulfill(content_type="text/html", body=frames))
    page.goto(outside)
    embedded = page.frame_locator("#embed")
    embedded.locator("#ratios-plot svg.main-svg").first.wait_for()
    assert "Green BRI Tracker" in embedded.locator(".embed-credit").inner_text()
    refused = page.frame_locator("#page")
    page.wait_for_function(
        "() => document.getElementById('page').contentDocument === null"
        " || !document.getElementById('page').contentDocument.querySelector('#claims-table')"
    )
    assert refused.locator("#claims-table").count() == 0
    context.close()
    outside_browser.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/claims",
        "/projects",
        "/projects/karot-hydropower",
        "/projects/jakarta-bandung-hsr",
        "/claims/karot-hydropower/co2-qin-guobin-2022",
        "/sectors/transport",
        "/projects?view=table",
        "/projects?sector=transport&region=south-eastern-asia&view=table",
        "/methodology",
        "/organizations",
        "/embed/claims",
        "/embed/ladder",
        "/embed/map",
        "/embed/projects?sector=transport",
        "/embed/projects/karot-hydropower/claims",
        "/embed/projects/karot-hydropower/ladder",
        "/embed/projects/karot-hydropower/map",
        "/embed/projects/karot-hydropower/figures/t-yr",
        "/embed/projects/china-laos-railway/figures/percent",
    ],
)
def test_chinese_text_is_marked_and_headings_skip_no_level(
    page_and_watch, live_server: str, path: str
) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}{path}", wait_until="networkidle")
    unmarked = page.evaluate(
        """() => {
          const found = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode;
            if (!/[\\u4e00-\\u9fff]/.test(node.textContent)) continue;
            if (node.parentElement.closest('script')) continue;
            const lang = node.parentElement.closest('[lang]').getAttribute('lang');
            if (!lang.startsWith('zh')) found.push(node.textContent.trim().slice(0, 40));
          }
          return found;
        }"""
    )
    assert not unmarked, unmarked
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))"
    )
    assert levels and levels[0] == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"{path}: h{before} followed by h{after}"
    watch.assert_clean()


@pytest.mark.parametrize("width", SIZES)
def test_cite_report_and_changes_are_readable(browser, live_server: str, width: int) -> None:  # type: ignore[no-untyped-def]
    path = "/claims/karot-hydropower/co2-qin-guobin-2022"
    context, page, watch = open_page(browser, live_server, path, width)
    assert "3.5 Mt CO2" in page.locator("h1").inner_text()
    assert "Dataset version" in page.locator("#cite-plain").inner_text()
    assert page.locator("#cite-bibtex").inner_text().startswith("@misc{")
    report = page.locator("#cite-title ~ p a.button").get_attribute("href")
    assert report is not None and report.startswith("mailto:?subject=")
    assert "Last changed in the dataset on" in page.locator("#last-changed").inner_text()
    shoot(page, "claim-karot", width)
    page.goto(f"{live_server}/changes", wait_until="networkidle")
    assert page.locator("section.load").count() >= 1
    assert page.locator("section.load a[href^='/projects/']").count() > 0
    shoot(page, "changes", width, full_page=False)
    context.close()
    watch.assert_clean()


def test_phone_filters_end_with_show_results(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = open_page(browser, live_server, "/projects", 390)
    page.click("#facets-panel > summary")
    with page.expect_response(lambda r: "sector=transport" in r.url):
        page.check("#f-sector-transport")
    page.wait_for_selector(".show-results >> text=/Show \\d+ results/")
    page.click(".show-results")
    page.wait_for_function("() => location.hash === '#results'")
    assert page.locator("#facets-panel").evaluate("el => el.open") is False
    assert on_first_screen(page, ".result-count")
    context.close()
    watch.assert_clean()
