"""Big CSV tables are parsed in a second process: same rows, same problems, same rollback."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from app.db import build_engine
from app.loader import LoadError, load_paths, parallel
from app.migrate import upgrade
from tests.helpers import MINI, TABLES, bench_generator, fresh_database_url, settings_for, snapshot

ALL_TABLES = [*TABLES, "claim_check", "project_source", "statement_sector"]


def everything(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    return snapshot(engine, ALL_TABLES)


@pytest.fixture
def second_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(settings_for(fresh_database_url(tmp_path, "second")))
    upgrade(engine)
    yield engine
    engine.dispose()


def _load(engine: Engine, paths: list[Path], *, in_parser: bool, monkeypatch) -> object:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parallel, "MIN_ROWS", 1 if in_parser else 10**9)
    try:
        return load_paths(engine, paths)
    except LoadError as exc:
        return [str(p) for p in exc.problems]


def test_parser_process_writes_what_the_loader_writes(
    engine: Engine, second_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench_generator().generate(40, tmp_path / "data")
    alone = _load(engine, [tmp_path / "data"], in_parser=False, monkeypatch=monkeypatch)
    split = _load(second_engine, [tmp_path / "data"], in_parser=True, monkeypatch=monkeypatch)
    assert alone == split  # the same counts
    first, second = everything(engine), everything(second_engine)
    assert first["metric"] and first["claim_check"]
    assert first == second


def _bad_csvs(target: Path) -> None:
    """Every kind of problem a row can have, in CSV tables big enough for the parser."""
    (target / "projects.csv").write_text(
        "slug,name,kind,technology,status,capacity_value,capacity_unit\n"
        "csv-one,One,bri,solar-pv,operational,10,MW\n"
        "csv-two,Two,bri,energy,operational,10,MW\n"  # a sector, not a technology
        "csv-one,Again,bri,solar-pv,operational,10,MW\n"  # duplicate
        "csv-three,Three,bri,solar-pv,sideways,10,MW\n"  # bad enum
        "csv-four,Four,bri,solar-pv,operational,10\n",  # capacity without a unit
        encoding="utf-8",
    )
    (target / "metrics.csv").write_text(
        "slug,project,kind,value,unit,period,basis,source\n"
        "csv-one/co2,csv-one,emissions_avoided,5000,t,annual,reported,test-source\n"
        "csv-one/gen,csv-one,generation,5,MW,annual,reported,test-source\n"  # wrong unit
        "csv-one/x,nowhere,generation,5,GWh,annual,reported,test-source\n"  # unknown project
        "csv-one/y,csv-one,generation,-5,GWh,annual,reported,no-such-source\n"  # two problems
        "csv-one/z,csv-one,generation,5,GWh,annual,reported,test-source,extra\n",  # long row
        encoding="utf-8",
    )


def test_parser_process_reports_the_same_problems_and_writes_nothing(
    engine: Engine, second_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = tmp_path / "mini"
    shutil.copytree(MINI, mini)
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    _bad_csvs(bulk)
    results = []
    for target, in_parser in ((engine, False), (second_engine, True)):
        load_paths(target, [mini])
        before = everything(target)
        results.append(_load(target, [bulk], in_parser=in_parser, monkeypatch=monkeypatch))
        assert everything(target) == before
    alone, split = results
    assert isinstance(alone, list) and len(alone) >= 8
    assert split == alone


def test_a_parser_that_dies_rolls_the_load_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_paths(engine, [MINI])
    before = everything(engine)
    bench_generator().generate(10, tmp_path / "data")
    monkeypatch.setattr(parallel, "MIN_ROWS", 1)
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    with pytest.raises(parallel.HelperFailed, match="helper process"):
        load_paths(engine, [tmp_path / "data"])
    assert everything(engine) == before
