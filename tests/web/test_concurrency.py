"""More concurrent requests than pooled connections, all cache misses, over real sockets.

A cache lock held while waiting for a pooled connection deadlocks against the threads that hold
every connection and wait for that lock: the requests then end in pool timeouts. Each request
here is a distinct URL (no cache hit), the pool is far smaller than the thread pool, and every
request must still be answered with a 200.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import product

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from app.config import Settings
from app.db import build_engine
from app.http import cache as response_cache
from app.main import create_app
from app.queries import cache
from tests.helpers import free_port
from tests.live import running

POOL_SIZE = 2  # two pooled + two overflow connections against 40 worker threads
CONCURRENCY = 32
# A deadlock only ends when the lock holder's pool wait times out; a slow (loaded) machine
# must not look like one, so the timeout is far above any honest wait for a connection.
POOL_TIMEOUT_S = 30


@pytest.fixture
def small_pool_server(seeded_url: str) -> Iterator[str]:
    settings = Settings(
        database_url=seeded_url, db_pool_size=POOL_SIZE, db_pool_timeout_s=POOL_TIMEOUT_S
    )
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def _distinct_urls() -> list[str]:
    sectors = ["energy", "transport", "wind", "hydro", "solar-pv", "urban-rail"]
    statuses = ["operational", "planned", "under_construction"]
    sorts = ["name", "-opened"]
    urls = [
        f"/projects?sector={sector}&status={status}&sort={sort}"
        for sector, status, sort in product(sectors, statuses, sorts)
    ]
    urls += [
        f"/api/v1/projects?sector={sector}&status={status}"
        for sector, status in product(sectors, statuses)
    ]
    verdicts = ["above_range", "below_range", "consistent", "not_checkable"]
    urls += [
        f"{base}?sector={sector}&verdict={verdict}"
        for base, sector, verdict in product(["/claims", "/api/v1/claims"], sectors, verdicts)
    ]
    urls += [f"/projects?lender=china-exim&sector={sector}" for sector in sectors]
    urls += ["/organizations", "/organizations/china-exim", "/changes", "/financing.csv"]
    return urls


def test_more_requests_than_connections_all_cache_misses_all_answered(
    small_pool_server: str,
) -> None:
    cache.clear()
    response_cache.clear()
    urls = _distinct_urls()
    assert len(urls) == len(set(urls)) > CONCURRENCY
    failed = _not_answered(small_pool_server, urls)
    assert not failed, f"{len(failed)} of {len(urls)} requests failed: {failed}"


def _not_answered(base_url: str, urls: list[str]) -> dict[str, int]:
    """GET every URL, CONCURRENCY at a time over real sockets: the URLs not answered 200."""

    def fetch(url: str) -> int:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            return http.get(url).status_code

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(fetch, urls))
    return {url: status for url, status in zip(urls, statuses, strict=True) if status != 200}


@pytest.fixture
def few_threads_server(seeded_url: str) -> Iterator[str]:
    """Two handler threads, two pooled connections plus two overflow."""
    settings = Settings(
        database_url=seeded_url,
        db_pool_size=POOL_SIZE,
        db_pool_timeout_s=POOL_TIMEOUT_S,
        worker_threads=2,
    )
    app = create_app(settings)
    with running(app) as base_url:
        yield base_url
    app.state.engine.dispose()


def test_record_lookups_give_their_connection_back_before_the_route_runs(
    few_threads_server: str, seeded_url: str
) -> None:
    """A record page finds its record in a dependency, then runs its route: two turns on the
    handler threads. A lookup that kept its pooled connection into the wait for the second
    turn locked the server up once every connection was held by a request waiting for a
    thread and every thread by a request waiting for a connection (the soak of `make bench`,
    64 connections: /healthz timed out). Every request must be answered with a 200."""
    engine = build_engine(Settings(database_url=seeded_url))
    with engine.connect() as conn:
        slugs = list(conn.execute(text("SELECT slug FROM project ORDER BY slug")).scalars())
        isos = list(
            conn.execute(text("SELECT DISTINCT country_iso3 FROM project_country")).scalars()
        )
    engine.dispose()
    cache.clear()
    response_cache.clear()
    urls = [f"/projects/{s}" for s in slugs] + [f"/api/v1/projects/{s}" for s in slugs]
    urls += [f"/countries/{iso}" for iso in isos]
    assert len(urls) > CONCURRENCY
    failed = _not_answered(few_threads_server, urls)
    assert not failed, f"{len(failed)} of {len(urls)} requests failed: {failed}"
