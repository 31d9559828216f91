"""The catalogue's search text: what `q` matches, kept in one column per project.

It holds the project's names, slug, summary and place name, its countries' names, the names
of its parties and of its lenders (with their local names), lower-cased. Written in SQL, a
batch of projects per statement, after every load and import that can change any of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.engine import Connection

from app import models as m

P = m.Project.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
PP = m.ProjectParty.__table__  # type: ignore[attr-defined]
C = m.Country.__table__  # type: ignore[attr-defined]
O = m.Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
F = m.Financing.__table__  # type: ignore[attr-defined]
BATCH = 500


def _joined(conn: Connection, column: Any) -> Any:
    """All values of `column` in one space-separated string (group_concat / string_agg)."""
    if conn.dialect.name == "postgresql":
        return func.string_agg(column, literal(" "))
    return func.group_concat(column, literal(" "))


def _text(*columns: Any) -> Any:
    text: Any = literal("")
    for column in columns:
        text = text + " " + func.coalesce(column, "")
    return text


def search_text_expression(conn: Connection) -> Any:
    """The search text of the project row in the outer UPDATE, as one SQL expression."""
    countries = (
        select(_joined(conn, C.c.name))
        .select_from(PC.join(C, C.c.iso3 == PC.c.country_iso3))
        .where(PC.c.project_slug == P.c.slug)
        .scalar_subquery()
    )
    parties = (
        select(_joined(conn, _text(O.c.name, O.c.local_name)))
        .select_from(PP.join(O, O.c.slug == PP.c.organization_slug))
        .where(PP.c.project_slug == P.c.slug)
        .scalar_subquery()
    )
    lenders = (
        select(_joined(conn, _text(O.c.name, O.c.local_name, F.c.co_lenders)))
        .select_from(F.outerjoin(O, O.c.slug == F.c.lender_slug))
        .where(F.c.project_slug == P.c.slug)
        .scalar_subquery()
    )
    return func.lower(
        _text(
            P.c.name, P.c.local_name, P.c.slug, P.c.summary, P.c.location_name,
            countries, parties, lenders,
        )
    )  # fmt: skip


def refresh_search_text(conn: Connection, slugs: Iterable[str] | None = None) -> None:
    """Rewrite the search text of `slugs` (every project when None)."""
    expression = search_text_expression(conn)
    if slugs is None:
        conn.execute(update(P).values(search_text=expression))
        return
    ordered = sorted(set(slugs))
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        conn.execute(update(P).where(P.c.slug.in_(batch)).values(search_text=expression))
