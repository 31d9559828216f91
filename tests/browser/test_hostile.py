"""Hostile text in every field is shown as text, in real Chromium, on every kind of page.

tests/data/hostile/ puts script tags, attribute breakers, `javascript:` links inside markup,
`{{ 7*7 }}`, 5,000-character words, right-to-left override, zero-width characters and Chinese
text into every free-text field. Served from its own database, no page may open a dialog, run
or inject a script, carry an event-handler attribute, link anywhere but http(s), render the
template expression, or scroll sideways at phone or desktop width. `javascript:` and other
non-http source URLs never get that far: the loader refuses them (tested below).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app import models as m
from app.config import PROJECT_ROOT
from app.db import build_engine
from app.loader import LoadError, load_paths
from app.migrate import upgrade
from tests.helpers import free_port, fresh_database_url, settings_for, watched_page

pytestmark = pytest.mark.browser

HOSTILE = PROJECT_ROOT / "tests" / "data" / "hostile"
TEMPLATE = "{{ 7*7 }}"
SCRIPT_QUERY = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
PAGES = [
    "/",
    "/projects",
    "/projects?per_page=1",
    f"/projects?q={SCRIPT_QUERY}",
    "/projects?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "/projects/hostile-hydro-project",
    "/projects/hostile-long-project",
    "/projects/hostile-wind-project",
    "/statements",
    "/statements?organization=hostile-org",
    "/countries/PAK",
    "/countries/MNE",
    "/sectors/hostile-energy",
    "/sectors/hostile-hydro",
    "/sectors/hostile-wind",
]
# Pages that echo the request itself back in an error message.
ERROR_PAGES = [
    f"/projects?sector={SCRIPT_QUERY}",
    f"/projects/{SCRIPT_QUERY}",
    f"/no-such-page/{SCRIPT_QUERY}",
]
WIDTHS = [390, 1280]

# Everything a page shows or links, gathered in the page after its charts are drawn.
INSPECT = """() => {
  const handlers = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) handlers.push(el.tagName + '[' + a.name + ']');
    }
  }
  const ownScript = (s) => (s.src && new URL(s.src).origin === location.origin
      && new URL(s.src).pathname.startsWith('/static/')) || s.type === 'application/json';
  const foreignScripts = [...document.querySelectorAll('script')].filter((s) => !ownScript(s))
      .map((s) => s.outerHTML.slice(0, 120));
  // Our own "Report an error" link may be a mailto: (BRI_REPORT_ERROR_URL); nothing else.
  const hrefs = [...document.querySelectorAll('a, area, [href], [xlink\\\\:href]')]
      .filter((el) => !el.matches('a.report-error[href^="mailto:?"]'))
      .map((el) => el.getAttribute('href') ?? el.getAttribute('xlink:href'))
      .filter((h) => h !== null);
  const badLinks = hrefs.filter((h) => {
    try { return !['http:', 'https:'].includes(new URL(h, location.href).protocol); }
    catch (e) { return true; }
  });
  const scroller = document.scrollingElement;
  return {
    handlers, foreignScripts, badLinks, links: hrefs.length,
    images: [...document.images].map((i) => i.getAttribute('src')),
    iframes: document.querySelectorAll('iframe, object, embed').length,
    scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth,
    text: document.body.innerText,
  };
}"""
# Show every chart's hover label for its first point: names reach Plotly's own text renderer.
HOVER_CHARTS = """() => {
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    try { window.Plotly.Fx.hover(plot, [{curveNumber: 0, pointNumber: 0}]); } catch (e) {}
  }
}"""
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-chart]')]
  .every((el) => el.querySelector('.main-svg') !== null)"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own database loaded with tests/data/hostile/, over real HTTP."""
    from app.main import create_app

    url = fresh_database_url(tmp_path_factory.mktemp("hostile"), "hostile")
    engine = build_engine(settings_for(url))
    upgrade(engine)
    load_paths(engine, [HOSTILE])
    engine.dispose()
    port = free_port()
    config = uvicorn.Config(
        create_app(settings_for(url)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("hostile server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _visit(
    browser: Any, base: str, path: str, width: int, *, hover_charts: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Open `path`, draw its charts, hover its links (and charts); what it holds, what broke."""
    context, page, watch = watched_page(browser, base, viewport={"width": width, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        response = page.goto(base + path, wait_until="networkidle")
        assert response is not None
        page.wait_for_function(CHARTS_DRAWN, timeout=15_000)
        # An injected onmouseover would fire here (links drawn by Plotly inside charts aside).
        for link in page.locator("main a[href]:not(svg *) >> visible=true").all()[:30]:
            link.hover(timeout=2_000)
        if hover_charts:
            page.evaluate(HOVER_CHARTS)
        found = page.evaluate(INSPECT)
        found["status"] = response.status
    finally:
        context.close()
    # Chromium logs the error page's own 4xx as a failed resource; nothing else may be logged.
    problems = [e for e in watch.errors if not e.startswith("Failed to load resource")]
    problems += [f"dialog: {d}" for d in dialogs] + [f"foreign request: {u}" for u in watch.foreign]
    return found, problems


def _assert_inert(found: dict[str, Any], problems: list[str]) -> None:
    assert problems == []
    assert found["handlers"] == [], "event-handler attributes injected"
    assert found["foreignScripts"] == [], "script elements injected"
    assert found["badLinks"] == [], "non-http(s) links"
    assert found["images"] == [] and found["iframes"] == 0, "elements injected"
    assert found["scrollWidth"] <= found["clientWidth"] + 1, "page scrolls sideways"
    # The page's own URLs (cite this) carry the server's random port, which may hold "49".
    text = re.sub(r"https?://\S+", "", found["text"])
    assert "49" not in text, "a template expression was evaluated"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_hostile_text_stays_text(browser: Any, hostile_server: str, path: str, width: int) -> None:
    found, problems = _visit(browser, hostile_server, path, width)
    assert found["status"] == 200
    _assert_inert(found, problems)
    assert found["links"] > 0
    if "?q=" not in path:  # a search for markup matches nothing, so shows no hostile record
        assert TEMPLATE in found["text"], "the hostile text should be on the page, as text"
    if path.startswith("/projects/") or path == "/statements":
        assert "<script>alert(1)</script>" in found["text"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ERROR_PAGES)
def test_hostile_requests_are_echoed_as_text(
    browser: Any, hostile_server: str, path: str, width: int
) -> None:
    found, problems = _visit(browser, hostile_server, path, width)
    assert found["status"] in (404, 422)
    _assert_inert(found, problems)
    assert "<script>alert(1)</script>" in found["text"]


CHART_PAGES = ["/", "/projects/hostile-hydro-project"]


@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_hover_labels_show_markup_as_text(
    browser: Any, hostile_server: str, path: str
) -> None:
    found, problems = _visit(browser, hostile_server, path, 1280, hover_charts=True)
    _assert_inert(found, problems)


BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/path",
    "ftp://example.org/file",
    'https://example.org/" onmouseover="alert(1)',
    "https://example.org/<script>",
]


@pytest.mark.parametrize("bad_url", BAD_URLS)
def test_non_http_source_urls_are_refused_at_load(
    engine: Engine, tmp_path: Path, bad_url: str
) -> None:
    import yaml

    source = {"slug": "bad-url", "title": "T", "publisher": "P", "kind": "news", "url": bad_url}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}))
    with pytest.raises(LoadError) as rejected:
        load_paths(engine, [tmp_path])
    assert any("url" in str(problem) for problem in rejected.value.problems)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Source)).scalar() == 0
