"""Migrate a database and load the curated seed into it (`make run`, `serve --seed`)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import build_engine
from app.loader import LoadSummary, load_paths
from app.migrate import upgrade


def prepare_database(settings: Settings, engine: Engine | None = None) -> LoadSummary:
    """Migrate the database `settings` name and load its seed_dir (idempotent: a re-load upserts
    the same rows). Raises LoadError when the seed is rejected."""
    own = engine is None
    engine = engine or build_engine(settings)
    try:
        upgrade(engine)
        return load_paths(engine, [settings.seed_dir])
    finally:
        if own:
            engine.dispose()
