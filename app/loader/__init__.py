"""Dataset loading: read YAML/CSV, validate everything, then apply it in one transaction.

The flow is read -> validate -> apply. Reading turns every file into rows of named tables
(YAML projects are flattened into the same rows a CSV data package has). Validation checks
types, enums, units, references and uniqueness and collects every problem before anything is
written. Applying upserts by slug inside a single transaction, so a rejected or interrupted
load leaves the database exactly as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from app import models as m
from app.countries import country_rows
from app.db import fast_sqlite_binding
from app.loader.inputs import INPUT_MODELS, LoadError, Problem
from app.loader.keys import REFERENCES
from app.loader.reading import read_dataset
from app.loader.writing import (
    KEY_SOURCES,
    LOAD_LOCK_KEY,
    ProgressFactory,
    _lock_for_load,
    _StreamingLoad,
    _t,
    _upsert,
)

__all__ = [
    "INPUT_MODELS",
    "KEY_SOURCES",
    "LOAD_LOCK_KEY",
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
    with _without_cyclic_gc(), engine.connect() as conn, _sqlite_bulk_mode(conn), conn.begin():
        _lock_for_load(conn)
        _upsert(conn, _t(m.Country), country_rows())
        load = _StreamingLoad(conn, raw, tick, progress)
        load.run()
    counts = {table: load.counts.get(table, 0) for table in INPUT_MODELS}
    return LoadSummary(counts=counts, files=len(raw.files))


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """A load allocates millions of short-lived rows and makes no reference cycles, yet the
    cyclic collector would keep rescanning the growing key sets: ~30 % of a 100k load."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _sqlite_bulk_mode(conn: Connection) -> Iterator[None]:
    """SQLite: no per-row foreign-key lookups while loading; the loader has already checked
    every reference, and `_StreamingLoad` runs `PRAGMA foreign_key_check` before committing.

    The pragma only takes effect outside a transaction, so it is set on the driver's
    connection before `begin()`, and set back before the connection returns to the pool."""
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with fast_sqlite_binding():
            yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def dataset_version(conn: Connection) -> int:
    state = _t(m.DatasetState)
    return conn.execute(select(state.c.version)).scalar() or 0
