"""What every record's declaration uses: the constraint naming convention, enums stored as
strings, and the base of the loader's input models.

Each record is declared once, in its room (app/metrics/model.py, app/projects/model.py, ...):
a field base with a description on every field, from which the table, the loader's input and
the public (API) model derive. This module is below every room and imports none of them.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Enum as SAEnum
from sqlalchemy import MetaData
from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def enum_type(enum: type[StrEnum]) -> SAEnum:
    """Store enums as plain strings (no PostgreSQL ENUM types to create and drop)."""
    return SAEnum(
        enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
    )


def check_slug(value: str) -> str:
    """A field validator: lower-case a-z, 0-9 and single hyphens."""
    if not SLUG_RE.match(value):
        raise ValueError(f"{value!r} is not a slug (lower-case a-z, 0-9 and single hyphens)")
    return value


class InputModel(BaseModel):
    """A row of a dataset file as the loader validates it (docs/data-format.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)
