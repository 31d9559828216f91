"""Organisations and people by slug, for the records that name them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from app.organizations.model import Organization, OrganizationRef, Person, PersonRef
from app.queries.lookup import records_by_slug

O = Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
PER = Person.__table__  # type: ignore[attr-defined]


def organizations_by_slug(
    session: Session, slugs: Iterable[str | None]
) -> dict[str, OrganizationRef]:
    """The organisations named in `slugs` (None and repeats ignored), by slug."""
    return records_by_slug(
        session,
        O,
        slugs,
        lambda row: OrganizationRef.model_validate({**row, "country": row["country_iso3"]}),
    )


def people_by_slug(session: Session, slugs: Iterable[str | None]) -> dict[str, PersonRef]:
    """The people named in `slugs` (None and repeats ignored), by slug."""
    return records_by_slug(
        session,
        PER,
        slugs,
        lambda row: PersonRef.model_validate({**row, "organization": row["organization_slug"]}),
    )
