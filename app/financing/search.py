"""The catalogue's search text: what `q` matches, kept in one column per project.

It holds the project's names, slug, summary and place name, its countries' names, the names
of its parties and of its lenders (with their local names), lower-cased. Written in SQL, a
batch of projects per statement, after every load and import that can change any of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Connection

from app import models as m

P = m.Project.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
PP = m.ProjectParty.__table__  # type: ignore[attr-defined]
C = m.Country.__table__  # type: ignore[attr-defined]
O = m.Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
F = m.Financing.__table__  # type: ignore[attr-defined]
BATCH = 500


def _joined(conn: Connection, value: Any, source: Any, where: Any) -> Any:
    """All values of `value` over `source` rows matching `where`, sorted and joined by spaces,
    as a scalar subquery: the same text on every load, whatever order the rows come in."""
    if conn.dialect.name == "postgresql":
        aggregate = func.string_agg(value, aggregate_order_by(literal(" "), value))
        return select(aggregate).select_from(source).where(where).scalar_subquery()
    # SQLite aggregates in the order of its input: sort the rows in a subquery first.
    rows = (
        select(value.label("v"))
        .select_from(source)
        .where(where)
        .order_by(value)
        .correlate(P)
        .subquery()
    )
    return select(func.group_concat(rows.c.v, literal(" "))).scalar_subquery()


def _text(*columns: Any) -> Any:
    text: Any = literal("")
    for column in columns:
        text = text + " " + func.coalesce(column, "")
    return text


def search_text_expression(conn: Connection) -> Any:
    """The search text of the project row in the outer UPDATE, as one SQL expression."""
    countries = _joined(
        conn,
        C.c.name,
        PC.join(C, C.c.iso3 == PC.c.country_iso3),
        PC.c.project_slug == P.c.slug,
    )
    parties = _joined(
        conn,
        _text(O.c.name, O.c.local_name),
        PP.join(O, O.c.slug == PP.c.organization_slug),
        PP.c.project_slug == P.c.slug,
    )
    lenders = _joined(
        conn,
        _text(O.c.name, O.c.local_name, F.c.co_lenders),
        F.outerjoin(O, O.c.slug == F.c.lender_slug),
        F.c.project_slug == P.c.slug,
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
