"""Requests leave nothing for the cyclic collector.

A full collection pauses every request while it walks what the caches hold, so the server runs
them rarely (app/main.py FULL_COLLECTION_EVERY). Objects in reference cycles are freed only by
such a collection: a request that leaves some makes memory grow between them. Over real HTTP,
on a fresh app (empty caches, so every answer is computed), the objects of our code and of the
query layer that end up in cycles are counted; the client's own are not ours to judge.
"""

from __future__ import annotations

import gc
from collections import Counter

import httpx

from app.main import _read_summaries as read_summaries
from app.main import create_app
from tests.helpers import settings_for
from tests.live import running

OURS = ("app.", "sqlalchemy.", "sqlmodel.")
TEXT_QUERIES = ["wind park", "solar", "hydro power", "rail", "bus"]


def _urls(base: str) -> list[str]:
    """Catalogue pages and fragments with text queries (the text index), API lists, and every
    project page (parties, lenders and sources are looked up by slug)."""
    slugs = [p["slug"] for p in httpx.get(f"{base}/api/v1/projects?per_page=200").json()["items"]]
    urls = [f"/projects?q={q.replace(' ', '+')}&sort={s}" for q in TEXT_QUERIES
            for s in ("name", "-claimed")]  # fmt: skip
    urls += [f"/api/v1/projects?q={q.replace(' ', '+')}" for q in TEXT_QUERIES]
    return urls + [f"/projects/{slug}" for slug in slugs] + ["/claims", "/organizations"]


def _serve_all(app: object) -> list[str]:
    """Every URL once, as a page and as an htmx fragment; the paths asked."""
    with running(app) as base, httpx.Client(base_url=base) as client:
        paths = _urls(base)
        for path in paths:
            assert client.get(path, headers={"HX-Request": "true"}).status_code == 200
            assert client.get(path).status_code == 200
    return paths


def test_requests_leave_no_reference_cycles(seeded_url: str) -> None:
    # First uses in the process (templates, unit conversions) on another app. The measured
    # app has empty caches but its summaries read (once per dataset version, not per
    # request), and is kept alive until the end: its teardown is not a request's garbage.
    warm = create_app(settings_for(seeded_url))
    _serve_all(warm)
    warm.state.engine.dispose()
    app = create_app(settings_for(seeded_url))
    read_summaries(app.state.engine)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        paths = _serve_all(app)
        gc.collect()
        left = Counter(
            f"{type(o).__module__}.{type(o).__qualname__}"
            for o in gc.garbage
            if type(o).__module__.startswith(OURS)
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        app.state.engine.dispose()
    assert len(paths) > 20
    assert not left, f"objects left in cycles by {2 * len(paths)} requests: {sorted(left.items())}"
