"""Sources by slug, for every record that cites them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from app.queries.lookup import records_by_slug
from app.sources.model import Source, SourceOut

SO = Source.__table__  # type: ignore[attr-defined]


def sources_by_slug(session: Session, slugs: Iterable[str | None]) -> dict[str, SourceOut]:
    """The sources named in `slugs` (None and repeats ignored), by slug."""
    return records_by_slug(session, SO, slugs, SourceOut.model_validate)
