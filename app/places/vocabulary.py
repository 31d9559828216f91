"""The values filters may name: sectors and technologies, countries, UN M49 regions.

Loaded once per dataset version (cached) and used to validate every filter the same way: an
unknown value is an UnknownFilterValue (a 422 with the value named), never an empty page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.filtering import UnknownFilterValue
from app.places.model import Country, Sector
from app.queries.cache import cached

C = Country.__table__  # type: ignore[attr-defined]
S = Sector.__table__  # type: ignore[attr-defined]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@cached("vocabulary")
def vocabulary(session: Session) -> dict[str, Any]:
    """Known filter values and their labels, for validation and facet labels."""
    conn = session.connection()
    sectors = conn.execute(
        select(S.c.slug, S.c.name, S.c.parent_slug).order_by(S.c.position, S.c.name)
    ).all()
    countries = conn.execute(select(C.c.iso3, C.c.name, C.c.region, C.c.subregion)).all()
    regions: dict[str, tuple[str, str]] = {}  # slug -> (name, level)
    region_of: dict[str, str] = {}  # subregion name -> region name
    for _iso3, _name, region, subregion in countries:
        if region:
            regions[slugify(region)] = (region, "region")
        if subregion:
            regions[slugify(subregion)] = (subregion, "subregion")
            if region:
                region_of[subregion] = region
    return {
        "sectors": {slug: (name, parent) for slug, name, parent in sectors},
        "countries": {iso3: name for iso3, name, _r, _s in countries},
        "regions": regions,
        "region_of": region_of,
    }


def require_sectors(session: Session, values: Iterable[str]) -> None:
    """Raise UnknownFilterValue for a value that is no sector or technology slug."""
    known = vocabulary(session)["sectors"]
    for value in values:
        if value not in known:
            raise UnknownFilterValue("sector", value, "use a sector or technology slug")


def require_countries(session: Session, values: Iterable[str]) -> None:
    """Raise UnknownFilterValue for a value that is no ISO 3166-1 alpha-3 code."""
    known = vocabulary(session)["countries"]
    for value in values:
        if value.upper() not in known:
            raise UnknownFilterValue("country", value, "use an ISO 3166-1 alpha-3 code")


def require_regions(session: Session, values: Iterable[str]) -> None:
    """Raise UnknownFilterValue for a value that is no UN M49 region or subregion slug."""
    known = vocabulary(session)["regions"]
    for value in values:
        if value not in known:
            raise UnknownFilterValue("region", value, "use a UN M49 region slug such as 'asia'")


def sector_ref_parts(session: Session, slug: str) -> tuple[str, str | None]:
    """(name, parent slug) of a sector or technology; the slug itself when unknown."""
    name, parent = vocabulary(session)["sectors"].get(slug, (slug, None))
    return name, parent


def with_technologies(session: Session, sectors: Iterable[str]) -> set[str]:
    """The slugs and, for each sector among them, its technologies (a sector includes them)."""
    chosen = set(sectors)
    known = vocabulary(session)["sectors"]
    return chosen | {slug for slug, (_name, parent) in known.items() if parent in chosen}
