"""Real Chromium (Debian's) driven by Playwright, against the live seeded server."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("BRI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The run writes here (ignored by git); the README shows copies kept in docs/screenshots/.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "tests" / "screenshots"


def _chromium_path() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: CI must run the browser tests")
    pytest.skip("Chromium is not installed (make test installs it)")


@dataclass
class Watch:
    """What a page did that it should not: console errors, CSP violations, foreign requests."""

    origin: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, self.foreign


def watched_page(browser, live_server: str, **context_options):  # type: ignore[no-untyped-def]
    """A new page whose console errors, page errors and off-host requests are recorded."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    watch = Watch(origin=urlsplit(live_server).netloc)
    page.on(
        "console",
        lambda msg: (
            watch.errors.append(msg.text)
            if msg.type == "error" or "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on(
        "request",
        lambda req: (
            watch.foreign.append(req.url)
            if urlsplit(req.url).scheme in ("http", "https")
            and urlsplit(req.url).netloc != watch.origin
            else None
        ),
    )
    return context, page, watch


@pytest.fixture
def page_and_watch(browser, live_server):  # type: ignore[no-untyped-def]
    context, page, watch = watched_page(
        browser, live_server, viewport={"width": 1280, "height": 900}
    )
    yield page, watch
    context.close()
