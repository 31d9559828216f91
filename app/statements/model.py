"""A statement, declared once: the fields every shape shares, and the table, the loader's
input and the public model that derive from them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, field_validator
from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.listing import FacetValue
from app.organizations.model import OrganizationRef, PersonRef
from app.places.model import SectorRef
from app.projects.model import ProjectRef
from app.records import InputModel, check_slug, enum_type
from app.sources.model import SourceOut


class StatementForm(StrEnum):
    direct_quote = "direct_quote"
    paraphrase = "paraphrase"


class StatementFields(BaseModel):
    """Something a person or organisation said, as reported by a source."""

    slug: str = Field(primary_key=True, description="Statement identifier")
    text: str = Field(
        min_length=1,
        sa_type=Text,
        description="The statement (the quote itself for a direct quote)",
    )
    form: StatementForm = Field(
        sa_type=enum_type(StatementForm), description="direct_quote or paraphrase"
    )
    speaker_role: str | None = Field(default=None, description="The speaker's role as stated")
    said_on: date | None = Field(default=None, description="Date it was said")
    event: str | None = Field(default=None, description="Event where it was said")
    language: str | None = Field(default=None, description="ISO 639-1 language of the text")


class Statement(SQLModel, StatementFields, table=True):
    """Something a person or organisation said, as reported by a source."""

    # Newest first with a slug tie-break, read backwards: a page stops after LIMIT rows.
    __table_args__ = (Index("ix_statement_said_on_slug", "said_on", "slug"),)

    speaker_slug: str | None = Field(default=None, foreign_key="person.slug", index=True)
    organization_slug: str | None = Field(default=None, foreign_key="organization.slug", index=True)
    source_slug: str = Field(foreign_key="source.slug", index=True)


class StatementIn(StatementFields, InputModel):
    """An entry of `statements:` in YAML, or a row of statements.csv."""

    speaker: str | None = None
    organization: str | None = None
    source: str

    _check_slug = field_validator("slug")(check_slug)


class StatementProject(SQLModel, table=True):
    __tablename__ = "statement_project"

    statement_slug: str = Field(foreign_key="statement.slug", primary_key=True, ondelete="CASCADE")
    project_slug: str = Field(
        foreign_key="project.slug", primary_key=True, index=True, ondelete="CASCADE"
    )


class StatementSector(SQLModel, table=True):
    __tablename__ = "statement_sector"

    statement_slug: str = Field(foreign_key="statement.slug", primary_key=True, ondelete="CASCADE")
    sector_slug: str = Field(foreign_key="sector.slug", primary_key=True, index=True)


class StatementOut(StatementFields):
    """Something a person or organisation said, as reported by a source."""

    speaker: PersonRef | None = Field(default=None, description="Who said it, where named")
    organization: OrganizationRef | None = Field(
        default=None, description="Organisation it is attributed to"
    )
    source: SourceOut = Field(description="Document reporting it")
    projects: list[ProjectRef] = Field(default_factory=list, description="Projects it is about")
    sectors: list[SectorRef] = Field(default_factory=list, description="Sectors it is about")


class StatementPage(BaseModel):
    """A page of statements with the choices of the statement filter form."""

    items: list[StatementOut] = Field(description="Statements of this page, newest first")
    total: int = Field(description="Statements matching the filter")
    page: int = Field(description="This page number, from 1")
    per_page: int = Field(description="Rows per page")
    organizations: list[FacetValue] = Field(
        default_factory=list, description="Organisations with statements (all statements)"
    )
    projects: list[FacetValue] = Field(
        default_factory=list, description="Projects with statements (all statements)"
    )
    sectors: list[FacetValue] = Field(
        default_factory=list, description="Sectors with statements (all statements)"
    )
