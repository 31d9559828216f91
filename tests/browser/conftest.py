"""Real Chromium (Debian's) driven by Playwright, against the live seeded server."""

from __future__ import annotations

import pytest

from tests.helpers import watched_page


@pytest.fixture
def page_and_watch(browser, live_server):  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(
        browser, live_server, viewport={"width": 1280, "height": 900}
    )
    yield page, watch
    context.close()
