"""Shared fixtures: real databases (SQLite file, or PostgreSQL when BRI_TEST_DATABASE_URL is set),
a read-only seeded app for page and API tests, and a live server for browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.db import build_engine
from app.loader import load_paths
from app.migrate import upgrade
from app.queries import cache
from tests.helpers import (
    CHROMIUM_ARGS,
    SEED_DIR,
    chromium_path,
    free_port,
    fresh_database_url,
    settings_for,
)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """URL of an empty database, new for each test."""
    return fresh_database_url(tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to head."""
    engine = build_engine(settings_for(db_url))
    upgrade(engine)
    cache.clear()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database loaded with seed/, shared read-only by page, API and browser tests."""
    url = fresh_database_url(tmp_path_factory.mktemp("seeded"), "seeded")
    engine = build_engine(settings_for(url))
    upgrade(engine)
    load_paths(engine, [SEED_DIR])
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def seeded_app(seeded_url: str):  # type: ignore[no-untyped-def]
    from app.main import create_app

    return create_app(settings_for(seeded_url))


@pytest.fixture(scope="session")
def client(seeded_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An HTTP client on the seeded app (in-process ASGI, real database)."""
    with TestClient(seeded_app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(seeded_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The seeded app served by uvicorn over real HTTP; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(seeded_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Chromium for the whole session (Playwright's sync API allows one instance)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
