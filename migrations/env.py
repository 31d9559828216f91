"""Alembic environment: the URL comes from the app's settings unless the caller passes one."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import app.models  # noqa: F401  (registers the tables)
from app.config import get_settings
from app.db import normalise_url
from app.models import metadata
from app.projects.search import is_index_object


def include_name(name, type_, parent_names) -> bool:  # type: ignore[no-untyped-def]
    """Leave the text index (FTS5 virtual and shadow tables, a GIN index) out of autogenerate."""
    return not is_index_object(name)

config = context.config


def _url() -> str:
    return normalise_url(config.get_main_option("sqlalchemy.url") or get_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        {"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
