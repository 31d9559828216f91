"""Finding 1 of issue 16: the caches are bounded in bytes, spellings of one URL share one entry,
and answers too big to cache are not cached. Over real HTTP, with a small bound from Settings;
the caches' own accounting (entries, bytes) is read after each request."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.config import Settings
from app.http import cache as response_cache
from app.main import create_app
from app.queries import cache as query_cache
from app.queries.cache import LARGEST_SHARE
from app.server import uvicorn_options
from tests.live import running

BUDGET = 512 * 1024  # bytes per cache: a score of small catalogue pages of the seed


@pytest.fixture
def small_cache_server(seeded_url: str) -> Iterator[tuple[str, Engine]]:
    settings = Settings(database_url=seeded_url, cache_max_bytes=BUDGET)
    app = create_app(settings)
    query_cache.clear()
    response_cache.clear()
    with running(app, **uvicorn_options(settings)) as base_url:
        yield base_url, app.state.engine
    app.state.engine.dispose()


def _usage(engine: Engine) -> dict[str, tuple[int, int]]:
    return {"queries": query_cache.usage(engine), "responses": response_cache.usage(engine)}


def test_many_distinct_urls_stay_within_the_byte_bound(
    small_cache_server: tuple[str, Engine],
) -> None:
    base_url, engine = small_cache_server
    words = ["rail", "wind", "solar", "hydro", "power", "china", "park", "bus"]
    sorts = ["name", "-name", "capacity", "-capacity", "opened", "-opened"]
    served = 0
    fullest = 0
    with httpx.Client(base_url=base_url) as client:
        for word, sort in product(words, sorts):
            for path in ("/projects", "/api/v1/projects"):
                response = client.get(path, params={"q": word, "sort": sort, "per_page": 200})
                assert response.status_code == 200
                served += len(response.content)
                for name, (entries, size) in _usage(engine).items():
                    assert size <= BUDGET, (name, entries, size)
                fullest = max(fullest, _usage(engine)["responses"][1])
    assert served > 2 * BUDGET  # more than fits: the bound, not the test, kept it small
    assert fullest > BUDGET // 2  # and the cache was used up to near its bound
    assert all(entries > 0 for entries, _ in _usage(engine).values())


def test_spellings_of_one_query_share_one_entry(small_cache_server: tuple[str, Engine]) -> None:
    base_url, engine = small_cache_server
    spellings = [
        "/projects?q=hydro&sector=energy",
        "/projects?q=%20%20hydro%20&sector=energy",
        "/projects?sector=energy&q=hydro",
        "/projects?q=hydro&sector=energy&country=&region=",
    ]
    with httpx.Client(base_url=base_url) as client:
        bodies = set()
        client.get(spellings[0])
        after_first = _usage(engine)
        for url in spellings[1:]:
            response = client.get(url)
            assert response.status_code == 200
            bodies.add(response.content)
        assert _usage(engine) == after_first
    assert len(bodies) == 1


def test_an_answer_too_big_to_cache_is_served_but_not_kept(seeded_url: str) -> None:
    """With a bound whose largest entry is smaller than one catalogue page, that page is
    answered every time and never cached (it would push out everything else)."""
    settings = Settings(database_url=seeded_url, cache_max_bytes=LARGEST_SHARE * 4096)
    app = create_app(settings)
    response_cache.clear()
    with running(app, **uvicorn_options(settings)) as base_url:
        first = httpx.get(f"{base_url}/api/v1/projects", params={"per_page": 200})
        again = httpx.get(f"{base_url}/api/v1/projects", params={"per_page": 200})
        assert len(first.content) > 4096
        assert first.content == again.content
        assert response_cache.usage(app.state.engine)[0] == 0
        small = httpx.get(f"{base_url}/healthz")
        assert small.status_code == 200
    app.state.engine.dispose()


def test_the_facet_summary_is_kept_even_when_bigger_than_a_cache_entry(seeded_url: str) -> None:
    """The summary every catalogue request reads is held once per dataset version outside the
    bounded caches: at 1M projects it is bigger than one entry may be, and was rebuilt (1.6 s)
    on every use, several times per request."""
    from sqlmodel import Session

    from app.db import build_engine
    from app.projects.facets import facet_index
    from app.queries.cache import limit_memory

    engine = build_engine(Settings(database_url=seeded_url))
    limit_memory(engine, 1024)  # far smaller than the seed's summary
    query_cache.clear()
    try:
        with Session(engine) as first, Session(engine) as second:
            assert facet_index(first) is facet_index(second)
    finally:
        engine.dispose()
