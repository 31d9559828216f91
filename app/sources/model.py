"""A source: one declaration for the table, the loader's input and the public model."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, field_validator
from sqlmodel import Field, SQLModel

from app.records import InputModel, check_slug, enum_type


class SourceKind(StrEnum):
    news = "news"
    company = "company"
    government = "government"
    report = "report"
    academic = "academic"
    reference = "reference"
    dataset = "dataset"


class SourceFields(BaseModel):
    """A document a figure or statement comes from."""

    slug: str = Field(primary_key=True, description="Source identifier")
    title: str = Field(
        min_length=1, description="Title of the document (or a description when it has none)"
    )
    publisher: str = Field(min_length=1, description="Publisher")
    author: str | None = Field(default=None, description="Author, where known")
    url: str | None = Field(default=None, description="Address of the document (http/https)")
    published_on: date | None = Field(default=None, description="Publication date, if exact")
    date_note: str | None = Field(default=None, description="How precise the date is")
    language: str | None = Field(default=None, description="ISO 639-1 language code")
    kind: SourceKind = Field(
        sa_type=enum_type(SourceKind),
        description="news, company, government, report, academic, ...",
    )
    note: str | None = Field(default=None, description="Notes on the copy read")


class Source(SQLModel, SourceFields, table=True):
    """A document a figure or statement comes from."""


class SourceIn(SourceFields, InputModel):
    """A row of sources.csv (or an entry of `sources:` in YAML)."""

    _check_slug = field_validator("slug")(check_slug)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value and not re.match(r"^https?://[^\s<>\"']+$", value, re.IGNORECASE):
            raise ValueError("only http(s) URLs without spaces or quotes are accepted")
        return value or None


class SourceOut(SourceFields):
    """A document a figure or statement comes from."""
