"""Faults against the real database: a killed load, two loads at once, reads during a load."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.loader import LOAD_LOCK_KEY, load_paths
from tests.helpers import PROJECT_ROOT, SEED_DIR, free_port, snapshot, wait_for_http

GENERATOR = PROJECT_ROOT / "bench" / "generate.py"


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic dataset large enough that its load takes a few seconds."""
    out = tmp_path_factory.mktemp("big") / "data"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--projects", "5000", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _load_process(db_url: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "BRI_DATABASE_URL": db_url}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "load", "--quiet", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _load_holds_the_write_lock(engine: Engine) -> bool:
    """Whether a load is inside its write transaction, seen from another connection:
    PostgreSQL lists the load's advisory lock; SQLite refuses a second writer at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objid = :key AND granted"
                ),
                {"key": LOAD_LOCK_KEY},
            ).scalar()
        return bool(held)
    probe = sqlite3.connect(engine.url.database or "", timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError as error:
        if "locked" in str(error):
            return True
        raise
    finally:
        probe.close()


def _wait_until_writing(process: subprocess.Popen[str], engine: Engine) -> None:
    """Wait for the event "the load has begun its write transaction", not for a time."""
    deadline = time.monotonic() + 120
    while not _load_holds_the_write_lock(engine):
        assert process.poll() is None, "the load finished before it was seen writing"
        assert time.monotonic() < deadline, "the load never began writing"
        time.sleep(0.02)


def test_sigkill_mid_load_leaves_the_database_as_it_was(
    engine: Engine, db_url: str, big_dataset: Path
) -> None:
    load_paths(engine, [SEED_DIR])
    before = snapshot(engine)
    process = _load_process(db_url, big_dataset)
    _wait_until_writing(process, engine)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    engine.dispose()
    assert snapshot(engine) == before


def test_two_loads_at_once_do_not_interleave(
    engine: Engine, db_url: str, big_dataset: Path
) -> None:
    load_paths(engine, [SEED_DIR])
    first = _load_process(db_url, big_dataset)
    second = _load_process(db_url, SEED_DIR)
    results = [p.wait(timeout=600) for p in (first, second)]
    outputs = [p.stderr.read() if p.stderr else "" for p in (first, second)]
    # Either both succeed one after the other, or the waiting one is refused with a message.
    for code, output in zip(results, outputs, strict=True):
        assert code == 0 or "locked" in output.lower(), output
    engine.dispose()
    with engine.connect() as conn:
        projects = conn.execute(text("SELECT count(*) FROM project")).scalar()
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM metric m LEFT JOIN project p ON p.slug = m.project_slug "
                "WHERE p.slug IS NULL"
            )
        ).scalar()
    assert orphans == 0
    # The seed's projects plus, when the big load was not refused, all of the generated ones.
    seed_projects = len(list((SEED_DIR / "projects").glob("*.yaml")))
    assert projects in (seed_projects, seed_projects + 5000)


def test_site_answers_during_a_load_and_shows_new_data_after(
    engine: Engine, db_url: str, big_dataset: Path, tmp_path: Path
) -> None:
    load_paths(engine, [SEED_DIR])
    port = free_port()
    env = {**os.environ, "BRI_DATABASE_URL": db_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(log := (tmp_path / "serve.log").open("w")),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base)
        before = httpx.get(f"{base}/api/v1/projects?per_page=1", timeout=10).json()["total"]
        load = _load_process(db_url, big_dataset)
        statuses = []
        while load.poll() is None:
            statuses.append(httpx.get(f"{base}/api/v1/projects?per_page=1", timeout=30).status_code)
            time.sleep(0.2)
        assert load.returncode == 0, load.stderr.read() if load.stderr else ""
        assert statuses and set(statuses) == {200}
        after = httpx.get(f"{base}/api/v1/projects?per_page=1", timeout=10).json()["total"]
        assert after == before + 5000
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
