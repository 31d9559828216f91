"""Hostile dataset files (issue 16, findings 3, 5 and 6): each is a listed problem naming file
and place, never a crash, a hang or a silent acceptance, and the database is left unchanged.

Runs on SQLite and, with BRI_TEST_DATABASE_URL, on PostgreSQL (where a NUL used to end in a
driver error printing SQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.loader import LoadError, load_paths
from app.loader.inputs import Problem
from app.loader.parallel import LoadHelper
from app.loader.reading import MAX_CSV_FIELD_CHARS, MAX_YAML_BYTES, MAX_YAML_DEPTH
from tests.helpers import MINI, snapshot

SOURCES_HEADER = "slug,title,publisher,kind\n"


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Engine:
    """The mini dataset, loaded: every hostile load must leave it exactly as it is."""
    load_paths(engine, [MINI])
    return engine


def _problems_of(engine: Engine, *paths: Path) -> list[str]:
    before = snapshot(engine)
    with pytest.raises(LoadError) as error:
        load_paths(engine, list(paths))
    assert snapshot(engine) == before
    return [str(problem) for problem in error.value.problems]


def _alias_bomb(levels: int) -> str:
    """The classic 'billion laughs': each level repeats the previous one nine times."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    lines.append(f"slug: *a{levels}\nname: bomb")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- finding 3: YAML


def test_yaml_alias_bomb_is_refused_before_expansion(loaded: Engine, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb(4))  # small enough that the old loader finished, expanded
    problems = _problems_of(loaded, bomb)
    assert problems == [
        f"{bomb}: line 1: -: refused: anchors and aliases (& and *) are not accepted"
    ]
    assert all(len(p) < 300 for p in problems)


def test_yaml_explicit_tags_are_refused(loaded: Engine, tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("sources:\n  - slug: tagged\n    title: !!str 2024\n    publisher: P\n")
    custom = tmp_path / "custom.yaml"
    custom.write_text("sources:\n  - !custom {slug: custom}\n")
    problems = _problems_of(loaded, tagged, custom)
    assert f"{tagged}: line 3: -: refused: explicit tags are not accepted " in problems[0]
    assert f"{custom}: line 2: -: refused: explicit tags are not accepted (!custom)" in problems


def test_yaml_duplicate_keys_are_refused(loaded: Engine, tmp_path: Path) -> None:
    twice = tmp_path / "twice.yaml"
    twice.write_text(
        "sources:\n"
        "  - slug: twice\n    title: First title\n    publisher: P\n    kind: news\n"
        "    title: Second title\n"
    )
    assert _problems_of(loaded, twice) == [
        f"{twice}: line 6: title: refused: duplicate key 'title'"
    ]


def test_yaml_deep_nesting_is_a_problem_not_a_recursion_error(
    loaded: Engine, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("sources: " + "[" * 5000 + "]" * 5000 + "\n")
    problems = _problems_of(loaded, deep)
    assert problems == [f"{deep}: line 1: -: refused: nested deeper than {MAX_YAML_DEPTH} levels"]


def test_yaml_file_over_the_size_limit_is_not_parsed(loaded: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_YAML_BYTES // 10 + 1))
    problems = _problems_of(loaded, big)
    assert len(problems) == 1
    assert f"a YAML file may have at most {MAX_YAML_BYTES}" in problems[0]


def test_yaml_nul_escape_is_a_problem(loaded: Engine, tmp_path: Path) -> None:
    nul = tmp_path / "nul.yaml"
    nul.write_text('sources:\n  - {slug: nul, title: "a\\0b", publisher: P, kind: news}\n')
    problems = _problems_of(loaded, nul)
    assert problems == [
        f"{nul}: line 2: -: refused: contains a NUL character (U+0000), "
        "which is not allowed in text"
    ]


# ---------------------------------------------------------------- finding 5: CSV


def test_csv_with_byte_order_mark_loads(loaded: Engine, tmp_path: Path) -> None:
    (tmp_path / "sources.csv").write_text(
        SOURCES_HEADER + "bom-source,Title,Publisher,news\n", encoding="utf-8-sig"
    )
    load_paths(loaded, [tmp_path])
    with loaded.connect() as conn:
        title = conn.execute(text("SELECT title FROM source WHERE slug='bom-source'")).scalar()
    assert title == "Title"


def test_csv_oversized_field_is_a_problem(loaded: Engine, tmp_path: Path) -> None:
    long_title = "x" * (MAX_CSV_FIELD_CHARS + 1)
    (tmp_path / "sources.csv").write_text(
        SOURCES_HEADER + "ok,Title,P,news\n" + f"long,{long_title},P,news\n"
    )
    problems = _problems_of(loaded, tmp_path)
    assert problems == [
        f"{tmp_path / 'sources.csv'}: row 3: -: a field is longer than "
        f"{MAX_CSV_FIELD_CHARS} characters; the file is not read"
    ]


def test_csv_geojson_nested_deeply_is_a_problem(loaded: Engine, tmp_path: Path) -> None:
    deep = "[" * 60_000 + "]" * 60_000
    (tmp_path / "projects.csv").write_text(
        f"slug,name,technology,geometry_geojson\ndeep,Deep,wind,{deep}\n"
    )
    problems = _problems_of(loaded, tmp_path)
    assert problems == [f"{tmp_path / 'projects.csv'}: row 2: location.geojson: nested too deeply"]


def test_csv_nul_is_a_problem_on_every_database(loaded: Engine, tmp_path: Path) -> None:
    (tmp_path / "sources.csv").write_text(SOURCES_HEADER + "nul-source,Ti\x00tle,P,news\n")
    problems = _problems_of(loaded, tmp_path)
    assert problems == [
        f"{tmp_path / 'sources.csv'}: row 2: title: contains a NUL character (U+0000), "
        "which is not allowed in text"
    ]


def test_load_helper_reports_an_oversized_field_instead_of_failing(tmp_path: Path) -> None:
    """Big CSV tables are parsed in a child process; there the csv error used to surface as
    HelperFailed with a traceback instead of a problem."""
    csv_file = tmp_path / "sources.csv"
    csv_file.write_text(SOURCES_HEADER + f"long,{'x' * (MAX_CSV_FIELD_CHARS + 1)},P,news\n")
    helper = LoadHelper()
    syntax_problems: list[Problem] = []
    try:
        rows = list(helper.checked_rows("sources", [str(csv_file)], {}, syntax_problems))
    finally:
        helper.close()
    assert rows == []
    assert [p.record for p in syntax_problems] == ["row 2"]
    assert "longer than" in syntax_problems[0].message


# ---------------------------------------------------------------- finding 6: paths


def test_symbolic_link_out_of_the_load_folder_is_refused(loaded: Engine, tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    secret = outside / "sources.yaml"
    secret.write_text(
        "sources:\n  - {slug: leaked-source, title: Private, publisher: P, kind: news}\n"
    )
    folder = tmp_path / "dataset"
    shutil.copytree(MINI, folder)
    (folder / "leak.yaml").symlink_to(secret)
    problems = _problems_of(loaded, folder)
    assert len(problems) == 1
    assert problems[0].startswith(f"{folder / 'leak.yaml'}: -: -: resolves outside the folder")


def test_symbolic_link_inside_the_load_folder_is_followed(loaded: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    shutil.copytree(MINI, folder)
    (folder / "sources.yaml").rename(folder / "sources.txt")
    (folder / "sources.yaml").symlink_to(folder / "sources.txt")
    load_paths(loaded, [folder])
