"""The benchmark generator writes a dataset the loader accepts (counts only; no timings)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import models as m
from app.loader import load_paths
from app.projects.catalogue import list_projects
from app.projects.filter import ProjectFilter
from tests.helpers import PROJECT_ROOT, bench_generator


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar() or 0)


def test_generated_dataset_loads_with_expected_counts(engine: Engine, tmp_path: Path) -> None:
    counts = bench_generator().generate(50, tmp_path / "data")
    summary = load_paths(engine, [tmp_path / "data"])

    assert counts["projects"] == 50
    assert 8 * 50 <= counts["metrics"] <= 12 * 50
    assert counts["statements"] == 100
    assert summary.counts["projects"] == 50
    assert summary.counts["metrics"] == counts["metrics"]
    assert _count(engine, m.Project) == 50
    assert _count(engine, m.Metric) == counts["metrics"]
    assert _count(engine, m.Statement) == 100
    assert _count(engine, m.StatementProject) == 100
    assert _count(engine, m.ProjectCountry) == counts["project_countries"]
    seed_sectors = _count_seed_sectors()
    assert _count(engine, m.Sector) == seed_sectors
    with Session(engine) as session:
        page = list_projects(session, filters=ProjectFilter())
    assert page.total == 50
    assert sum(f.count for f in page.facets["status"]) == 50


def test_generator_is_deterministic(tmp_path: Path) -> None:
    generate = bench_generator().generate
    generate(50, tmp_path / "a")
    generate(50, tmp_path / "b")
    for path in sorted((tmp_path / "a").glob("*.csv")):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    with (tmp_path / "a" / "projects.csv").open(encoding="utf-8") as handle:
        technologies = {row["technology"] for row in csv.DictReader(handle)}
    assert len(technologies) > 3


def _count_seed_sectors() -> int:
    import yaml

    data = yaml.safe_load((PROJECT_ROOT / "seed/sectors.yaml").read_text(encoding="utf-8"))
    return len(data["sectors"])
