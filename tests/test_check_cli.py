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
    assert "1.094" in out  # Karot's implied factor, t CO2/MWh


def test_json_output(seeded_url: str) -> None:
    result = run(seeded_url, "--json")
    assert result.returncode == 0, result.stderr
    checks = json.loads(result.stdout)
    by_key = {(c["metric_slug"], c["reading"]): c for c in checks}
    karot = by_key[("karot-hydropower/co2-ctg-press-release-2022", "as stated")]
    assert karot["verdict"] == "above_range"
    assert karot["arithmetic"] and karot["inputs"][0]["source_title"]
    # Every power claim: its implied factor, the ladder (each rung with source and year) and
    # the named findings.
    assert karot["ladder"]["implied"]["value"] == pytest.approx(3.5 / 3.2)
    assert karot["ladder"]["verdict_text"].startswith("exceeds every recognised baseline")
    power = [c for c in checks if c["check_name"] == "power"]
    assert power
    for check in power:
        assert "findings" in check and check["ladder"] is not None
        assert "implied" in check["ladder"]
        for rung in check["ladder"]["rungs"]:
            assert rung["source_slugs"] and rung["year"] and rung["low"] < rung["high"]
    # No verdict rests on a zero-width range.
    for check in checks:
        if check["verdict"] != "not_checkable" and check["expected_low"] is not None:
            assert check["expected_low"] < check["expected_high"], check["metric_slug"]
    iesr = by_key[("jakarta-bandung-hsr/intensity-cars-iesr-2023", "as stated")]
    assert iesr["verdict"] == "not_checkable"
    assert [f["name"] for f in iesr["findings"]] == ["magnitude"]
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
