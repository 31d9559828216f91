"""Bytes a browser transfers for a first and a repeat visit of pages; prints a table and writes
bench/results/page_weight.json.

Real Chromium (Debian's, headless, driven by Playwright) loads each page in a fresh browser
context (empty cache: the first visit), waits until the network is idle (charts drawn, the map's
topojson fetched), then loads it again from the same context (the repeat visit). Bytes are
Chromium's own count of what came over the wire, from DevTools `Network.loadingFinished`
`encodedDataLength` (compressed bodies plus response headers); responses served from the
browser's cache transfer nothing and are counted as cached.

    .venv/bin/python bench/page_weight.py               # serves seed/ in a temporary database
    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:8000   # a running server

Budgets (issue 6): first visit to /projects <= 400 KB, a repeat visit <= 30 KB (1 KB = 1000 B).
Exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

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
PAGES = ["/", "/projects"]
BUDGETS = {("/projects", "first"): 400_000, ("/projects", "repeat"): 30_000}


@dataclass
class Resource:
    """One response the page received."""

    url: str
    status: int
    encoding: str
    bytes: int
    cached: bool


@dataclass
class Visit:
    """What one page load transferred."""

    page: str
    visit: str
    resources: list[Resource] = field(default_factory=list)

    @property
    def transferred(self) -> int:
        return sum(r.bytes for r in self.resources)

    @property
    def requests(self) -> int:
        return sum(1 for r in self.resources if not r.cached)

    @property
    def cached(self) -> int:
        return sum(1 for r in self.resources if r.cached)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def seeded_server() -> Iterator[str]:
    """The app over real HTTP (uvicorn, one worker) on a temporary SQLite copy of seed/."""
    import uvicorn

    from app.config import Settings
    from app.db import build_engine
    from app.loader import load_paths
    from app.main import create_app
    from app.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/weight.db")
        engine = build_engine(settings)
        upgrade(engine)
        load_paths(engine, [ROOT / "seed"])
        engine.dispose()
        port = _free_port()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _record(page: Any, path: str, label: str) -> Visit:
    """Load `page` at `path` and collect every response with its bytes over the wire."""
    visit = Visit(path, label)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict[str, Any]] = {}

    def on_response(event: dict[str, Any]) -> None:
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        info = seen.setdefault(event["requestId"], {})
        info.update(
            url=response["url"],
            encoding=headers.get("content-encoding", ""),
            cached=info.get("cached", False) or bool(response.get("fromDiskCache")),
        )
        info.setdefault("status", response["status"])

    def on_wire(event: dict[str, Any]) -> None:
        # The status as it came over the wire: 304 for a revalidated page (the response event
        # reports the cached 200 it stands for).
        seen.setdefault(event["requestId"], {})["status"] = event["statusCode"]

    def on_cache(event: dict[str, Any]) -> None:
        seen.setdefault(event["requestId"], {})["cached"] = True

    def on_finished(event: dict[str, Any]) -> None:
        info = seen.get(event["requestId"], {})
        if "url" in info:
            wire = 0 if info["cached"] else int(event["encodedDataLength"])
            visit.resources.append(Resource(bytes=wire, **info))

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.responseReceivedExtraInfo", on_wire)
    cdp.on("Network.requestServedFromCache", on_cache)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(path, wait_until="networkidle")
    # Chromium fetches the favicon on its own schedule after the load; let it land (and be
    # cached) as a real visitor's would, rather than cancel it by navigating away.
    for _ in range(100):
        if any(r.url.endswith("/favicon.svg") for r in visit.resources):
            break
        page.wait_for_timeout(50)
    # Memory-cache hits raise no network events at all: count them from the page's own view.
    for entry in page.evaluate(
        "performance.getEntriesByType('resource').map(e => ({url: e.name, size: e.transferSize}))"
    ):
        if entry["size"] == 0 and not any(r.url == entry["url"] for r in visit.resources):
            visit.resources.append(Resource(entry["url"], 200, "", 0, True))
    cdp.detach()
    return visit


def measure(base_url: str) -> list[Visit]:
    """First and repeat visit of each page, each page in its own fresh browser context."""
    from playwright.sync_api import sync_playwright

    visits = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in PAGES:
            context = browser.new_context(base_url=base_url)
            page = context.new_page()
            visits.append(_record(page, path, "first"))
            page.goto("about:blank")
            visits.append(_record(page, path, "repeat"))
            context.close()
        browser.close()
    return visits


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query and "v=" not in parts.query else "")


def report(visits: list[Visit]) -> dict[str, Any]:
    """Print the table; return the JSON document (with budget verdicts)."""
    print(f"{'page':<12}{'visit':<8}{'requests':>9}{'cached':>8}{'bytes':>11}  budget")
    rows = []
    for v in visits:
        budget = BUDGETS.get((v.page, v.visit))
        verdict = "" if budget is None else ("ok" if v.transferred <= budget else "MISSED")
        limit = f"<= {budget:,} {verdict}" if budget else ""
        print(f"{v.page:<12}{v.visit:<8}{v.requests:>9}{v.cached:>8}{v.transferred:>11,}  {limit}")
        rows.append(
            {
                "page": v.page,
                "visit": v.visit,
                "bytes": v.transferred,
                "requests": v.requests,
                "cached": v.cached,
                "budget": budget,
                "ok": None if budget is None else v.transferred <= budget,
                "resources": [{**asdict(r), "url": _short(r.url)} for r in v.resources],
            }
        )
    print()
    for v in visits:
        for r in v.resources:
            where = "cache" if r.cached else f"{r.status} {r.encoding or 'identity'}"
            where = "304" if r.status == 304 else where
            print(f"  {v.page:<10}{v.visit:<8}{_short(r.url)[:60]:<62}{where:<14}{r.bytes:>9,}")
    return {
        "measured_with": "Debian Chromium (headless) via Playwright; DevTools encodedDataLength",
        "kb": 1000,
        "visits": rows,
        "ok": all(row["ok"] is not False for row in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="measure a running server instead of serving seed/")
    parser.add_argument("--out", type=Path, default=RESULTS / "page_weight.json")
    args = parser.parse_args()
    if args.url:
        document = report(measure(args.url.rstrip("/")))
    else:
        with seeded_server() as url:
            document = report(measure(url))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0 if document["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
