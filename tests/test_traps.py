"""Traps a newcomer fell into, each shown fixed where a test can show it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.config import get_settings
from app.db import fast_sqlite_binding
from app.main import create_app
from tests.helpers import PG_URL, fresh_database_url, settings_for


def _projects(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM project")).scalar() or 0)
    finally:
        engine.dispose()


def test_create_app_seeds_the_database_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed-on-start fills the database of the settings passed in, not the environment's."""
    elsewhere = tmp_path / "environment.db"
    monkeypatch.setenv("BRI_DATABASE_URL", f"sqlite:///{elsewhere}")
    get_settings.cache_clear()
    try:
        url = fresh_database_url(tmp_path, "given")
        create_app(settings_for(url, load_seed_on_start=True))
    finally:
        get_settings.cache_clear()
    assert _projects(url) > 0
    assert not elsewhere.exists()


@pytest.mark.skipif(bool(PG_URL), reason="sqlite3 driver only")
def test_fast_sqlite_binding_is_scoped() -> None:
    """The load's faster adapters are in place during a load and gone after it."""
    key = (type(None), sqlite3.PrepareProtocol)
    assert key not in sqlite3.adapters
    with fast_sqlite_binding():
        assert key in sqlite3.adapters
    assert key not in sqlite3.adapters
