"""Every chart's embed page in real Chromium, framed by another site: it draws its chart
(its own frame-ancestors policy lets the frame show), while the page the chart comes from
still refuses to be framed. The financing charts need the AidData import (as `make run`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import CHROMIUM_ARGS, chromium_path
from tests.web.test_embeds import IMPORTED, SEEDED
from tests.web.test_organizations import (  # noqa: F401 (fixtures)
    imported_app,
    imported_url,
    live_imported,
)

pytestmark = pytest.mark.browser

OUTSIDE = "http://elsewhere.example/"
EMBEDS = sorted({(embed, chart_id, host) for host, chart_id, embed in SEEDED})


@pytest.fixture(scope="module")
def outside_browser(browser: Any) -> Iterator[Any]:
    """Chromium standing in for a visitor of another site. It refuses a public site's frames
    onto 127.0.0.1 whatever our headers say (local network access): that check is off here, so
    that only our frame-ancestors policy decides."""
    launched = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    yield launched
    launched.close()


def frame_both(outside_browser: Any, base: str, embed: str, chart_id: str, host: str) -> None:
    context = outside_browser.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    frames = (
        f'<iframe id="embed" src="{base}{embed}" width="800" height="700"></iframe>'
        f'<iframe id="page" src="{base}{host}" width="800" height="700"></iframe>'
    )
    page.route(OUTSIDE, lambda route: route.fulfill(content_type="text/html", body=frames))
    page.goto(OUTSIDE)
    embedded = page.frame_locator("#embed")
    embedded.locator(f"#{chart_id}-plot svg.main-svg").first.wait_for()
    assert embedded.locator(f"#{chart_id}-plot .main-svg").count() >= 1
    assert "Green BRI Tracker" in embedded.locator(".embed-credit").inner_text()
    assert embedded.locator(f"h1#{chart_id}-title").count() == 1
    # The chart's own page stays empty in a frame: its policy refuses every ancestor, and
    # Chromium puts its error page in the frame instead.
    refused = page.query_selector("#page").content_frame()
    refused.wait_for_load_state("load")
    assert refused.url.startswith("chrome-error://"), refused.url
    assert refused.locator("main").count() == 0
    assert not errors, errors
    context.close()


@pytest.mark.parametrize(("embed", "chart_id", "host"), EMBEDS)
def test_embed_page_draws_its_chart_in_another_site_s_frame(
    outside_browser: Any, live_server: str, embed: str, chart_id: str, host: str
) -> None:
    frame_both(outside_browser, live_server, embed, chart_id, host)


@pytest.mark.parametrize(("host", "chart_id", "embed"), IMPORTED)
def test_financing_embed_pages_draw_in_a_frame(
    outside_browser: Any,
    live_imported: str,  # noqa: F811 (the fixture imported above)
    host: str,
    chart_id: str,
    embed: str,
) -> None:
    frame_both(outside_browser, live_imported, embed, chart_id, host)
