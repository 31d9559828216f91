"""Countries and sectors: the tables, the loader's sector input and the public references."""

from __future__ import annotations

from pydantic import BaseModel, field_validator
from sqlmodel import Field, SQLModel

from app.records import InputModel, check_slug


class CountryFields(BaseModel):
    """A country with its UN M49 region."""

    iso3: str = Field(primary_key=True, max_length=3, description="ISO 3166-1 alpha-3 code")
    name: str = Field(description="Country name")
    region: str | None = Field(default=None, index=True, description="UN M49 region")
    subregion: str | None = Field(default=None, index=True, description="UN M49 subregion")


class Country(SQLModel, CountryFields, table=True):
    """ISO 3166-1 country with its UN M49 region and subregion (from pycountry, never typed)."""

    iso2: str = Field(max_length=2, unique=True, description="ISO 3166-1 alpha-2 code")
    numeric: str = Field(max_length=3)
    official_name: str | None = None


class CountryRef(CountryFields):
    """A country with its UN M49 region."""


class CountrySummary(CountryFields):
    """A country with projects in the catalogue."""

    iso2: str = Field(description="ISO 3166-1 alpha-2 code")
    project_count: int = Field(description="Projects in this country")


class SectorFields(BaseModel):
    """A sector or technology of the taxonomy."""

    slug: str = Field(primary_key=True, description="Sector or technology slug")
    name: str = Field(description="Sector or technology name")


class Sector(SQLModel, SectorFields, table=True):
    """Two-level taxonomy: a sector (parent is None) or a technology within it."""

    parent_slug: str | None = Field(default=None, foreign_key="sector.slug", index=True)
    description: str | None = None
    position: int = 0


class SectorIn(SectorFields, InputModel):
    """An entry of sectors.yaml."""

    parent: str | None = None
    description: str | None = None
    position: int = 0

    _check_slug = field_validator("slug")(check_slug)


class SectorRef(SectorFields):
    """A sector or technology, by slug and name."""

    parent: str | None = Field(default=None, description="Parent sector slug (None for a sector)")


class SectorSummary(SectorFields):
    """A sector or technology of the taxonomy with its project count."""

    parent: str | None = Field(default=None, description="Parent sector (None for a sector)")
    description: str | None = Field(default=None, description="What it covers")
    project_count: int = Field(description="Projects in it (a sector counts its technologies)")
    technologies: list[SectorSummary] = Field(
        default_factory=list, description="Technologies of a sector"
    )
