"""Rows of a table by slug: how every record finds the others it names (sources, people, ...)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, select
from sqlalchemy.engine import RowMapping
from sqlmodel import Session


def rows_by_slug(session: Session, table: Table, slugs: Iterable[str | None]) -> list[RowMapping]:
    """The rows of `table` whose slug is in `slugs` (None and repeats ignored)."""
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return []
    statement = select(table).where(table.c.slug.in_(wanted))
    return list(session.connection().execute(statement).mappings())
