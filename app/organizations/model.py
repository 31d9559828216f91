"""Organisations and people: one declaration each for the table, the loader's input and the
public reference."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, field_validator
from sqlmodel import Field, SQLModel

from app.records import InputModel, check_slug, enum_type


class OrganizationKind(StrEnum):
    company = "company"
    government = "government"
    lender = "lender"
    ngo = "ngo"
    intergovernmental = "intergovernmental"
    academic = "academic"
    media = "media"
    other = "other"


class OrganizationFields(BaseModel):
    """An organisation: company, government body, lender, NGO, ..."""

    slug: str = Field(primary_key=True, description="Organisation identifier")
    name: str = Field(description="Organisation name")
    local_name: str | None = Field(default=None, description="Name in the local language")
    kind: OrganizationKind = Field(
        default=OrganizationKind.other,
        sa_type=enum_type(OrganizationKind),
        description="company, government, lender, ngo, ...",
    )


class Organization(SQLModel, OrganizationFields, table=True):
    country_iso3: str | None = Field(default=None, foreign_key="country.iso3")
    note: str | None = None


class OrganizationIn(OrganizationFields, InputModel):
    """A row of organizations.csv."""

    country: str | None = None
    note: str | None = None

    _check_slug = field_validator("slug")(check_slug)


class OrganizationRef(OrganizationFields):
    """An organisation: company, government body, lender, NGO, ..."""

    country: str | None = Field(default=None, description="ISO3 code of its country")


class PersonFields(BaseModel):
    """A person who made a statement."""

    slug: str = Field(primary_key=True, description="Person identifier")
    name: str = Field(description="Name")
    title: str | None = Field(default=None, description="Title or role as stated")


class Person(SQLModel, PersonFields, table=True):
    organization_slug: str | None = Field(default=None, foreign_key="organization.slug")


class PersonIn(PersonFields, InputModel):
    """A row of people.csv."""

    organization: str | None = None

    _check_slug = field_validator("slug")(check_slug)


class PersonRef(PersonFields):
    """A person who made a statement."""

    organization: str | None = Field(default=None, description="Organisation slug")
