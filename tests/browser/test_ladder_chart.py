"""The baseline ladder chart, drawn by real Chromium on the overview, methodology and project
pages: a dot per power claim on a log axis, a band per baseline, the data table beside it."""

from __future__ import annotations

import pytest

PAGES = ["/", "/methodology", "/projects/karot-hydropower"]


@pytest.mark.parametrize("path", PAGES)
def test_ladder_chart_is_drawn(page_and_watch, live_server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = page_and_watch
    page.goto(f"{live_server}{path}", wait_until="networkidle")
    plot = page.wait_for_selector("#ladder-plot")
    assert plot is not None
    plot.wait_for_selector("svg.main-svg")
    # A log x axis, one legend entry per baseline drawn and the claims' dots.
    assert (
        page.evaluate("() => document.getElementById('ladder-plot')._fullLayout.xaxis.type")
        == "log"
    )
    entries = page.query_selector_all("#ladder-plot .legend .traces .legendtext")
    legend = [(t.text_content() or "").strip() for t in entries]
    assert "claim: implied factor" in legend
    assert {"grid average", "IFI combined margin", "coal"} <= set(legend)
    dots = page.query_selector_all("#ladder-plot .scatterlayer .trace:last-child .point")
    assert dots
    # The data table beside it names Karot's claim and its verdict.
    table = page.query_selector(
        "#ladder-title + p + table, figure[aria-labelledby='ladder-title'] table"
    )
    assert table is not None
    text = table.text_content() or ""
    # Named by who claimed it and when, not by the metric's id (issue 15).
    assert "CTG press release" in text and "(2022), Karot Hydropower Project" in text
    assert "co2-ctg-press-release-2022" not in text
    ticks = page.eval_on_selector_all(
        "#ladder-plot .ytick text", "els => els.map(e => e.textContent)"
    )
    assert not any(t.startswith("Karot Hydropower") and t[-1].isdigit() for t in ticks), ticks
    assert "exceeds every recognised baseline, including coal" in text
    watch.assert_clean()
