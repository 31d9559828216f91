"""Sources by slug, for every record that cites them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from app.sources.model import Source, SourceOut

SO = Source.__table__  # type: ignore[attr-defined]


def sources_by_slug(session: Session, slugs: Iterable[str | None]) -> dict[str, SourceOut]:
    """The sources named in `slugs` (None and repeats ignored), by slug."""
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = session.connection().execute(select(SO).where(SO.c.slug.in_(wanted))).mappings()
    return {row["slug"]: SourceOut.model_validate(row) for row in rows}
