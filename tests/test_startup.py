"""A missing, read-only, corrupt or unmigrated SQLite file gives a clear start-up error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.db import DatabaseUnavailable, build_engine
from app.main import create_app
from app.migrate import upgrade
from tests.helpers import PG_URL, settings_for

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite file faults")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist.*db upgrade"):
        create_app(settings_for(f"sqlite:///{tmp_path / 'absent.db'}"))
    assert not (tmp_path / "absent.db").exists()


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseUnavailable, match="not a database"):
        create_app(settings_for(f"sqlite:///{path}"))


def test_unmigrated_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    import sqlite3

    sqlite3.connect(path).close()
    with pytest.raises(DatabaseUnavailable, match="no schema"):
        create_app(settings_for(f"sqlite:///{path}"))


def _make_read_only(path: Path) -> Callable[[], None]:
    """chmod for ordinary users; root ignores modes, so mark the file immutable instead."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    subprocess.run(["chattr", "+i", str(path)], check=True)
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    upgrade(build_engine(settings_for(f"sqlite:///{path}")))
    restore = _make_read_only(path)
    try:
        with pytest.raises(DatabaseUnavailable, match="read-only"):
            create_app(settings_for(f"sqlite:///{path}"))
    finally:
        restore()


def test_serve_prints_the_reason_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"garbage" * 1000)
    env = {**os.environ, "BRI_DATABASE_URL": f"sqlite:///{path}"}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot start" in result.stderr and "not a database" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_started_server_collects_its_oldest_objects_rarely(tmp_path: Path) -> None:
    """After start, full collections are spaced out (app/main.py FULL_COLLECTION_EVERY): each
    one pauses every request while it walks the caches."""
    import gc
    import time

    from fastapi.testclient import TestClient

    from app.main import FULL_COLLECTION_EVERY

    path = tmp_path / "gc.db"
    upgrade(build_engine(settings_for(f"sqlite:///{path}")))
    with TestClient(create_app(settings_for(f"sqlite:///{path}"))) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 30
        while gc.get_threshold()[2] != FULL_COLLECTION_EVERY and time.monotonic() < deadline:
            time.sleep(0.05)
    assert gc.get_threshold()[2] == FULL_COLLECTION_EVERY
    assert gc.get_freeze_count() > 0
