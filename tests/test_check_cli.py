"""`bri-tracker check`: the real command in a subprocess, against real databases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.loader import load_paths
from tests.helpers import MINI, PG_URL

CLI = [sys.executable, "-m", "app.cli", "check"]


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "BRI_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_table_lists_every_claim_with_its_verdict(seeded_url: str) -> None:
    result = run(seeded_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Claim checks (" in out
    assert "karot-hydropower/co2-ctg-press-release-2022" in out
    assert "above range" in out and "not checkable" in out and "consistent" in out
    assert "990,560–1,409,920 t/yr" in out


def test_json_output(seeded_url: str) -> None:
    result = run(seeded_url, "--json")
    assert result.returncode == 0, result.stderr
    checks = json.loads(result.stdout)
    by_key = {(c["metric_slug"], c["reading"]): c for c in checks}
    karot = by_key[("karot-hydropower/co2-ctg-press-release-2022", "grid average")]
    assert karot["verdict"] == "above_range"
    assert karot["expected_low"] == pytest.approx(3.2e6 * 0.30955)
    assert karot["arithmetic"] and karot["inputs"][0]["source_title"]
    jb = by_key[("jakarta-bandung-hsr/lifecycle-reduction-glen-2025", "as stated")]
    assert jb["verdict"] == "not_checkable" and "baseline" in jb["missing"]


def test_strict_passes_on_the_seed(seeded_url: str) -> None:
    result = run(seeded_url, "--strict", "--json")
    assert result.returncode == 0, result.stderr
    assert "unsourced" not in result.stderr


@pytest.mark.skipif(bool(PG_URL), reason="removes a referenced row with SQLite's FK checks off")
def test_strict_fails_when_a_claim_lost_its_source(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    mini = tmp_path / "mini"
    shutil.copytree(MINI, mini)
    load_paths(engine, [mini])
    # A database edited by hand: the claim's source row is gone.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(text("DELETE FROM source WHERE slug = 'test-source'"))
        conn.commit()
    lenient = run(db_url)
    assert lenient.returncode == 0
    assert "unsourced claim or input: test-hydro/co2" in lenient.stderr
    strict = run(db_url, "--strict")
    assert strict.returncode == 1
    assert "test-hydro/co2" in strict.stderr


def test_unmigrated_database_gets_a_clear_message(tmp_path: Path) -> None:
    if PG_URL:
        pytest.skip("an empty SQLite file is the unmigrated case")
    result = run(f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 2
    assert "bri-tracker db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
