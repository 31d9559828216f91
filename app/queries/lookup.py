"""Rows of a table by slug: how every record finds the others it names (sources, people, ...)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.engine import RowMapping
from sqlmodel import Session

from app.queries import cache

R = TypeVar("R")


def rows_by_slug(session: Session, table: Table, slugs: Iterable[str | None]) -> list[RowMapping]:
    """The rows of `table` whose slug is in `slugs` (None and repeats ignored)."""
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return []
    found = session.connection().execute(_rows_named(table), {"slugs": wanted})
    return list(found.mappings())


@functools.cache  # one per table
def _rows_named(table: Table) -> Select[Any]:
    """One statement per table, the slugs bound at execution: an `in_()` built per call left
    a reference cycle (a parameter and its clone) for the cyclic collector every time."""
    return select(table).where(table.c.slug.in_(bindparam("slugs", expanding=True)))


def records_by_slug(
    session: Session,
    table: Table,
    slugs: Iterable[str | None],
    build: Callable[[RowMapping], R],
) -> dict[str, R]:
    """`build(row)` of each row of `table` named in `slugs`, by slug. Each record is kept per
    dataset version: a source, an organisation or a person is named by many records (a page
    named the same few in five queries), so only the ones never read before are queried."""
    wanted = sorted({s for s in slugs if s})
    found: dict[str, R] = {}
    missing: list[str] = []
    for slug in wanted:
        record = cache.recall(session, (table.name, slug))
        if record is cache.MISSING:
            missing.append(slug)
        else:
            found[slug] = record
    for row in rows_by_slug(session, table, missing):
        record = found[row["slug"]] = build(row)
        cache.keep(session, (table.name, row["slug"]), record)
    return {slug: found[slug] for slug in wanted if slug in found}  # in slug order, as read
