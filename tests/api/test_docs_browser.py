"""/docs in real Chromium: Swagger UI renders the API offline, under the strict CSP."""

from __future__ import annotations

import pytest

from tests.helpers import watched_page


@pytest.mark.browser
def test_docs_render_offline_without_csp_violations(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(browser, live_server)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    try:
        page.goto(f"{live_server}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/projects" in paths and "/api/v1/projects/{slug}" in paths
        assert page.locator(".info .title").inner_text().startswith("Green BRI Tracker API")
        assert not missing, missing
        watch.assert_clean()
    finally:
        context.close()
