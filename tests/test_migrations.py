"""Migrations are the only way the schema changes: they must agree with the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import build_engine
from app.migrate import downgrade, upgrade
from app.models import metadata
from tests.helpers import settings_for


def test_upgrade_to_head_matches_models(db_url: str) -> None:
    engine = build_engine(settings_for(db_url))
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []
    assert {"project", "metric", "statement", "claim_check"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    engine = build_engine(settings_for(db_url))
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert "project" in inspect(engine).get_table_names()
    engine.dispose()


def test_single_head() -> None:
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
    assert command is not None
