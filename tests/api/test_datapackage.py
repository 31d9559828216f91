"""The data package: valid Frictionless, and `bri-tracker load` re-loads it with nothing lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from app import models as m
from app.cli import app as cli
from app.config import Settings
from app.db import build_engine
from app.exports import TABLES, export_package
from app.loader import load_paths

# Everything but the load bookkeeping (its version and file hashes differ by design).
# Load bookkeeping (the version, the changelog and its digests) records when, not what.
BOOKKEEPING = {"dataset_state", "record_change", "record_digest"}
COMPARED = [t for t in m.metadata.sorted_tables if t.name not in BOOKKEEPING]


def _canonical(table_name: str, row: Any) -> tuple[Any, ...]:
    values = dict(row._mapping)
    if table_name == "claim_check":
        # app/checks/store.py reads reference factors without ORDER BY, so the order of the inputs
        # listed in an explanation follows the database's row order; compare them as a set.
        explanation = json.loads(values["explanation_json"])
        if isinstance(explanation, dict) and isinstance(explanation.get("inputs"), list):
            explanation["inputs"].sort(key=lambda item: json.dumps(item, sort_keys=True))
        values["explanation_json"] = json.dumps(explanation, sort_keys=True)
    return tuple(values.values())


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (_canonical(table.name, row) for row in conn.execute(select(table))), key=repr
            )
            for table in COMPARED
        }


@pytest.fixture
def package_dir(seeded_url: str, tmp_path: Path) -> Path:
    engine = build_engine(Settings(database_url=seeded_url))
    with engine.connect() as conn:
        export_package(conn, tmp_path / "package")
    engine.dispose()
    return tmp_path / "package"


def test_package_has_a_schema_for_every_table(package_dir: Path) -> None:
    package = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] and package["sources"]
    assert {r["path"] for r in package["resources"]} == {f"{n}.csv" for n in TABLES}
    for resource in package["resources"]:
        assert resource["schema"]["fields"] and resource["schema"]["primaryKey"]
        header = (package_dir / resource["path"]).read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == [f["name"] for f in resource["schema"]["fields"]]


def test_package_validates_with_frictionless(package_dir: Path) -> None:
    from frictionless import validate

    report = validate(str(package_dir / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_round_trip_loses_nothing(seeded_url: str, package_dir: Path, engine: Engine) -> None:
    load_paths(engine, [package_dir])
    original = build_engine(Settings(database_url=seeded_url))
    try:
        before, after = _snapshot(original), _snapshot(engine)
    finally:
        original.dispose()
    for table in COMPARED:
        assert after[table.name] == before[table.name], table.name
    assert len(after["project"]) >= 4 and len(after["metric"]) > 0


def test_export_command_writes_the_package(
    seeded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRI_DATABASE_URL", seeded_url)
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    from app.config import get_settings

    cache_clear = getattr(get_settings, "cache_clear", None)
    if cache_clear:
        cache_clear()
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "out")])
    if cache_clear:
        cache_clear()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "datapackage.json").is_file()
    projects = (tmp_path / "out" / "projects.csv").read_text(encoding="utf-8")
    assert "China–Laos Railway" in projects and "中老铁路" in projects
