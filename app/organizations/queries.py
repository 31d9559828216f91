"""Organisations and people by slug, for the records that name them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from app.organizations.model import Organization, OrganizationRef, Person, PersonRef

O = Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
PER = Person.__table__  # type: ignore[attr-defined]


def organizations_by_slug(
    session: Session, slugs: Iterable[str | None]
) -> dict[str, OrganizationRef]:
    """The organisations named in `slugs` (None and repeats ignored), by slug."""
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = session.connection().execute(select(O).where(O.c.slug.in_(wanted))).mappings()
    return {
        row["slug"]: OrganizationRef.model_validate({**row, "country": row["country_iso3"]})
        for row in rows
    }


def people_by_slug(session: Session, slugs: Iterable[str | None]) -> dict[str, PersonRef]:
    """The people named in `slugs` (None and repeats ignored), by slug."""
    wanted = sorted({s for s in slugs if s})
    if not wanted:
        return {}
    rows = session.connection().execute(select(PER).where(PER.c.slug.in_(wanted))).mappings()
    return {
        row["slug"]: PersonRef.model_validate({**row, "organization": row["organization_slug"]})
        for row in rows
    }
