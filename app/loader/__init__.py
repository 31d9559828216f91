"""Dataset loading: read YAML/CSV, validate everything, then apply it in one transaction.

The flow is read -> validate -> apply. Reading turns every file into rows of named tables
(YAML projects are flattened into the same rows a CSV data package has). Validation checks
types, enums, units, references and uniqueness and collects every problem before anything is
written. Applying upserts by slug inside a single transaction, so a rejected or interrupted
load leaves the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from app import models as m
from app.countries import country_rows
from app.loader.inputs import INPUT_MODELS, LoadError, Problem
from app.loader.reading import read_dataset
from app.loader.writing import (
    KEY_SOURCES,
    REFERENCES,
    ProgressFactory,
    _lock_for_load,
    _StreamingLoad,
    _t,
    _upsert,
)

__all__ = [
    "INPUT_MODELS",
    "KEY_SOURCES",
    "REFERENCES",
    "LoadError",
    "LoadSummary",
    "Problem",
    "dataset_version",
    "load_paths",
    "read_dataset",
]


@dataclass
class LoadSummary:
    counts: dict[str, int]
    files: int


def load_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    progress: ProgressFactory | None = None,
) -> LoadSummary:
    """Read, validate and apply `paths` in one transaction; raise LoadError on any problem.

    Validation and writing stream table by table in chunks, so memory stays flat for a
    million-row CSV; a problem anywhere rolls the whole transaction back.
    """
    raw = read_dataset(paths)
    tick = progress("Loading", raw.row_count()) if progress else (lambda _n: None)
    with engine.begin() as conn:
        _lock_for_load(conn)
        _upsert(conn, _t(m.Country), country_rows())
        load = _StreamingLoad(conn, raw, tick, progress)
        load.run()
    counts = {table: load.counts.get(table, 0) for table in INPUT_MODELS}
    return LoadSummary(counts=counts, files=len(raw.files))


def dataset_version(conn: Connection) -> int:
    state = _t(m.DatasetState)
    return conn.execute(select(state.c.version)).scalar() or 0
