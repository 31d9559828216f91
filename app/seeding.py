"""Migrate a database and load the curated seed into it (`make run`, `serve --seed`), then
import the AidData records kept in the repository (imports/aiddata/), when present."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from app.aiddata.importer import ImportReport, import_aiddata
from app.config import Settings
from app.db import build_engine
from app.loader import LoadSummary, load_paths
from app.migrate import upgrade


@dataclass
class Seeded:
    """What seeding did: the seed load, and the AidData import (None without its file)."""

    load: LoadSummary
    aiddata: ImportReport | None


def prepare_database(settings: Settings, engine: Engine | None = None) -> Seeded:
    """Migrate the database `settings` name, load its seed_dir and import its AidData file
    (idempotent: a re-run writes the same rows). Raises LoadError when either is rejected."""
    own = engine is None
    engine = engine or build_engine(settings)
    try:
        upgrade(engine)
        load = load_paths(engine, [settings.seed_dir])
        aiddata = (
            import_aiddata(engine, settings.aiddata_file)
            if settings.aiddata_file.exists()
            else None
        )
        return Seeded(load=load, aiddata=aiddata)
    finally:
        if own:
            engine.dispose()
