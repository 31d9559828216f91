"""The dataset changelog's tables: each record's last digest, and one row per change a load made."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class RecordDigest(SQLModel, table=True):
    """A record's content hash after the last load that changed it: "last changed" on pages."""

    __tablename__ = "record_digest"

    kind: str = Field(primary_key=True, max_length=16)  # project or figure
    slug: str = Field(primary_key=True)
    # The project itself, or a figure's project: a load reads the digests of what it touched.
    project_slug: str = Field(index=True)
    digest: str = Field(max_length=32)
    changed_version: int
    changed_at: datetime


class RecordChange(SQLModel, table=True):
    """One record added, changed or removed by one load: the dataset changelog."""

    __tablename__ = "record_change"
    __table_args__ = (Index("ix_record_change_kind_slug", "kind", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(index=True)
    changed_at: datetime
    kind: str = Field(max_length=16)
    slug: str
    change: str = Field(max_length=16)  # added, changed or removed
    name: str
