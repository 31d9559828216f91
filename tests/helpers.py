"""Helpers shared by the tests. Test modules import from here, never from one another (a test
module imported by another runs its module-level code twice and couples unrelated files)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from app.config import PROJECT_ROOT, Settings

SEED_DIR = PROJECT_ROOT / "seed"
MINI = PROJECT_ROOT / "tests" / "data" / "mini"
PG_URL = os.environ.get("BRI_TEST_DATABASE_URL")
# The project's shared folder (design, reference data) is ../shared from the repository root;
# a checkout elsewhere (a git worktree) names it with BRI_SHARED_DIR.
SHARED_DIR = Path(os.environ.get("BRI_SHARED_DIR") or PROJECT_ROOT.parent / "shared")

# ---------------------------------------------------------------- databases


def _pg_url_for(database: str) -> str:
    assert PG_URL
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _recreate_pg_database(database: str) -> str:
    admin = create_engine(_pg_url_for("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return _pg_url_for(database)


def fresh_database_url(tmp_path: Path, name: str = "test") -> str:
    """A new, empty database: a SQLite file in tmp_path, or a recreated PostgreSQL database."""
    if PG_URL:
        base = make_url(PG_URL).database or "bri_test"
        return _recreate_pg_database(f"{base}_{name}")
    return f"sqlite:///{tmp_path / (name + '.db')}"


def settings_for(url: str, **overrides: Any) -> Settings:
    return Settings(database_url=url, **overrides)


# Data tables a load writes; a rejected or killed load must leave every row as it was.
TABLES = [
    "project",
    "metric",
    "statement",
    "source",
    "project_country",
    "project_party",
    "statement_project",
    "organization",
    "person",
    "reference_factor",
    "sector",
]


def snapshot(engine: Engine, tables: list[str] = TABLES) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the data tables, to prove a rejected load changed nothing."""
    with engine.connect() as conn:
        return {
            t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}"))), key=repr)
            for t in tables
        }


def bench_generator() -> ModuleType:
    """bench/generate.py as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        "bench_generate", PROJECT_ROOT / "bench" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(base: str, timeout_s: float = 90) -> None:
    """Return once `base`/healthz answers 200 (the event a started server gives)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


# ---------------------------------------------------------------- browser

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
SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"


def chromium_path() -> str:
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


def seed_plus_generated(
    tmp: Path, name: str, projects: int, prepare: Callable[[Path], None] | None = None
) -> Engine:
    """A fresh database with the seed loaded, then `projects` generated ones loaded on top (a
    second load, so everything a load rebuilds is rebuilt with both in place). `prepare` may
    edit the generated files first. Empty caches; the caller disposes of the engine."""
    from app.db import build_engine
    from app.loader import load_paths
    from app.migrate import upgrade
    from app.queries import cache

    engine = build_engine(settings_for(fresh_database_url(tmp, name)))
    upgrade(engine)
    load_paths(engine, [SEED_DIR])
    bench_generator().generate(projects, tmp / "generated")
    if prepare is not None:
        prepare(tmp / "generated")
    load_paths(engine, [tmp / "generated"])
    cache.clear()
    return engine


@contextmanager
def sql_statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement `engine` runs while inside the block, upper-cased."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
