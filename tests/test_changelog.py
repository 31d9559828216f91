"""The dataset changelog: a load records what it added, changed or removed, and nothing for
what stayed the same; pages say when a record last changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import Settings
from app.loader import load_paths
from app.main import create_app
from tests.helpers import SEED_DIR

ZHANATAS = "zhanatas-wind-farm"


def changes(engine: Engine) -> list[tuple[int, str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT version, kind, slug, change FROM record_change ORDER BY id")
        )
        return [tuple(r) for r in rows]


def edited_seed(tmp_path: Path) -> Path:
    """A copy of the seed where one figure of one project says something else."""
    copy = tmp_path / "seed"
    shutil.copytree(SEED_DIR, copy)
    project = copy / "projects" / f"{ZHANATAS}.yaml"
    text_before = project.read_text(encoding="utf-8")
    text_after = text_before.replace("value: 289000", "value: 290000", 1)
    assert text_after != text_before
    project.write_text(text_after, encoding="utf-8")
    return copy


def test_first_load_adds_every_project_and_a_reload_changes_nothing(engine: Engine) -> None:
    load_paths(engine, [SEED_DIR])
    first = changes(engine)
    assert first and {change for _v, _k, _s, change in first} == {"added"}
    assert (1, "project", ZHANATAS, "added") in first
    # A new project's figures come with it: the log names the project, not each figure.
    assert {kind for _v, kind, _s, _c in first} == {"project"}
    load_paths(engine, [SEED_DIR])
    assert changes(engine) == first


def test_an_edited_figure_changes_it_and_its_project_only(engine: Engine, tmp_path: Path) -> None:
    load_paths(engine, [SEED_DIR])
    before = len(changes(engine))
    load_paths(engine, [edited_seed(tmp_path)])
    new = changes(engine)[before:]
    assert sorted((kind, slug, change) for _v, kind, slug, change in new) == [
        ("figure", f"{ZHANATAS}/co2-guo-qiang-2021", "changed"),
        ("project", ZHANATAS, "changed"),
    ]
    assert {version for version, *_ in new} == {2}


def test_changes_page_and_last_changed_on_records(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    load_paths(engine, [SEED_DIR])
    load_paths(engine, [edited_seed(tmp_path)])
    with TestClient(create_app(Settings(database_url=db_url))) as client:
        page = BeautifulSoup(client.get("/changes").text, "html.parser")
        latest = page.select_one("section.load")
        assert "Version 2" in latest.h2.text
        assert [a["href"] for a in latest.select("a")] == [f"/projects/{ZHANATAS}"]
        assert "1 project changed" in latest.text and "1 figure changed" in latest.text
        project = BeautifulSoup(client.get(f"/projects/{ZHANATAS}").text, "html.parser")
        assert "Last changed in the dataset on" in project.select_one("#last-changed").text
        claim = client.get(f"/claims/{ZHANATAS}/co2-guo-qiang-2021").text
        assert "Last changed in the dataset on" in claim


def test_a_figure_left_out_of_a_reload_is_removed(engine: Engine, tmp_path: Path) -> None:
    load_paths(engine, [SEED_DIR])
    before = len(changes(engine))
    copy = tmp_path / "seed"
    shutil.copytree(SEED_DIR, copy)
    project = copy / "projects" / f"{ZHANATAS}.yaml"
    lines = project.read_text(encoding="utf-8").split("\n")
    start = lines.index("  - id: co2-guo-qiang-2021")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: "))
    project.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
    load_paths(engine, [copy])
    new = sorted((kind, slug, change) for _v, kind, slug, change in changes(engine)[before:])
    assert new == [
        ("figure", f"{ZHANATAS}/co2-guo-qiang-2021", "removed"),
        ("project", ZHANATAS, "changed"),
    ]
