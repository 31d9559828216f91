"""Page weight mechanisms in real Chromium: Brotli-encoded, immutable static files; a repeat
visit fetches no static file and revalidates the page to a 304. Sizes: bench/page_weight.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import watched_page

pytestmark = pytest.mark.browser

IMMUTABLE = "public, max-age=31536000, immutable"


class WireLog:
    """Responses of one page, from DevTools: which came over the network, and their headers.

    Network.responseReceivedExtraInfo is sent only for responses read from the network, with
    the status as sent (304 for a revalidation), so cache hits are told apart from fetches.
    """

    def __init__(self, page: Any) -> None:
        self.urls: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.wire_status: dict[str, int] = {}
        self.finished: set[str] = set()
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.responseReceivedExtraInfo", self._wire)
        self.cdp.on("Network.loadingFinished", lambda e: self.finished.add(e["requestId"]))

    def _response(self, event: dict[str, Any]) -> None:
        response = event["response"]
        self.urls[event["requestId"]] = urlsplit(response["url"]).path
        self.headers[event["requestId"]] = {
            k.lower(): v for k, v in response.get("headers", {}).items()
        }

    def _wire(self, event: dict[str, Any]) -> None:
        self.wire_status[event["requestId"]] = event["statusCode"]

    def wait_loaded(self, path: str) -> None:
        """Wait until `path` has loaded completely (and so is in the cache)."""
        for _ in range(200):
            if any(self.urls.get(i) == path for i in self.finished):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"{path} never finished loading")

    def fetched(self) -> dict[str, int]:
        """Path -> status of every response that came over the network."""
        return {self.urls[i]: s for i, s in self.wire_status.items() if i in self.urls}

    def static(self) -> dict[str, dict[str, str]]:
        """Path -> headers of every /static/ response."""
        return {
            path: self.headers[i] for i, path in self.urls.items() if path.startswith("/static/")
        }


def test_first_visit_gets_brotli_and_immutable_static_files(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(browser, live_server)
    try:
        log = WireLog(page)
        page.goto(f"{live_server}/projects", wait_until="networkidle")
        static = log.static()
        vendored = {p: h for p, h in static.items() if p.startswith("/static/vendor/")}
        assert "/static/vendor/plotly/plotly-bar-4.1.1.min.js" in vendored
        assert "/static/vendor/plotly/plotly-bar-geo-4.1.1.min.js" not in static
        for path, headers in vendored.items():
            assert headers.get("content-encoding") == "br", path
            assert "Accept-Encoding" in headers.get("vary", ""), path
        for path, headers in static.items():
            assert headers.get("cache-control") == IMMUTABLE, path
        # Chromium decoded the Brotli scripts and they ran: the chart is drawn.
        page.wait_for_selector(".chart-plot[data-drawn='1'] .main-svg")
        watch.assert_clean()
    finally:
        context.close()


def test_repeat_visit_fetches_no_static_file_and_gets_304(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(browser, live_server)
    try:
        first = WireLog(page)
        page.goto(f"{live_server}/projects", wait_until="networkidle")
        # Chromium fetches the favicon on its own schedule, after the load: leaving earlier
        # cancels it, and the repeat visit would fetch it for the first time.
        first.wait_loaded("/static/favicon.svg")
        first.cdp.detach()
        page.goto("about:blank")
        log = WireLog(page)
        page.goto(f"{live_server}/projects", wait_until="networkidle")
        fetched = log.fetched()
        assert fetched.get("/projects") == 304, fetched
        assert not [p for p in fetched if p.startswith("/static/")], fetched
        # The page still works from cache: scripts ran and drew the chart.
        page.wait_for_selector(".chart-plot[data-drawn='1'] .main-svg")
        watch.assert_clean()
    finally:
        context.close()
