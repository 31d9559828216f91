"""Financing commitments and cross-walk ids, declared once each: the fields every shape shares
(with their descriptions), and the table, the loader's input and the public model."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, field_validator
from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.organizations.model import OrganizationKind
from app.records import InputModel, check_slug, enum_type


class FinancingInstrument(StrEnum):
    loan = "loan"
    concessional_loan = "concessional_loan"
    preferential_buyers_credit = "preferential_buyers_credit"
    buyers_credit = "buyers_credit"
    sellers_credit = "sellers_credit"
    syndicated_loan_share = "syndicated_loan_share"
    grant = "grant"
    equity = "equity"
    restructuring = "restructuring"
    unknown = "unknown"


class FinancingFields(BaseModel):
    """One financing commitment to a project (an AidData record): who lent what, when."""

    slug: str = Field(primary_key=True, description="Identifier of the record (aiddata-<id>)")
    co_lenders: str | None = Field(default=None, description="Other lenders the record names")
    amount_usd_2021: float | None = Field(
        default=None, ge=0, description="Amount in constant 2021 US dollars, as AidData gives it"
    )
    amount_wording: str | None = Field(
        default=None, description="The nominal amount as the record's title words it"
    )
    instrument: FinancingInstrument = Field(
        default=FinancingInstrument.unknown,
        sa_type=enum_type(FinancingInstrument),
        description="Loan, buyer's credit, grant, syndicated share... or unknown",
    )
    committed_on: date | None = Field(default=None, description="Commitment date")
    commitment_year: int | None = Field(
        default=None, ge=1900, le=2100, description="Commitment year"
    )
    status: str | None = Field(default=None, description="AidData's status of the record")
    title: str = Field(
        sa_type=Text, min_length=1, description="AidData's title of the record, as published"
    )
    aiddata_id: int | None = Field(default=None, ge=0, unique=True, description="AidData record id")


class Financing(SQLModel, FinancingFields, table=True):
    __table_args__ = (Index("ix_financing_lender_project", "lender_slug", "project_slug"),)

    project_slug: str = Field(foreign_key="project.slug", index=True, ondelete="CASCADE")
    # The first lender the record names; others it names are kept as text in co_lenders.
    lender_slug: str | None = Field(default=None, foreign_key="organization.slug")
    source_slug: str = Field(foreign_key="source.slug")


class FinancingIn(FinancingFields, InputModel):
    """A row of financing.csv (`bri-tracker import aiddata` writes these records)."""

    project: str
    lender: str | None = None
    source: str

    _check_slug = field_validator("slug")(check_slug)


class LenderRef(BaseModel):
    """The organisation that lent."""

    slug: str = Field(description="Organisation identifier (/organizations/{slug})")
    name: str = Field(description="Organisation name")
    kind: OrganizationKind = Field(description="lender, government, company, ...")


class FinancingOut(FinancingFields):
    """One financing commitment: who lent what, when, as AidData records it."""

    project_slug: str = Field(description="The project financed")
    project_name: str = Field(description="Its name")
    lender: LenderRef | None = Field(
        default=None, description="First lender the record names (None when it names none)"
    )
    source_slug: str = Field(description="Source of the record")
    source_url: str | None = Field(default=None, description="AidData's record page")


class ExternalIdFields(BaseModel):
    """A project's id in another database."""

    system: str = Field(
        primary_key=True,
        min_length=1,
        max_length=32,
        description="aiddata, osm, gem, wikidata, cdm, verra...",
    )
    value: str = Field(
        primary_key=True, min_length=1, max_length=200, description="The id in that database"
    )
    url: str | None = Field(default=None, description="The record's page in that database")


class ExternalId(SQLModel, ExternalIdFields, table=True):
    __tablename__ = "external_id"
    __table_args__ = (Index("ix_external_id_system_value", "system", "value"),)

    project_slug: str = Field(foreign_key="project.slug", primary_key=True, ondelete="CASCADE")
    # The source that states the cross-walk (the AidData import's dataset source).
    source_slug: str | None = Field(default=None, foreign_key="source.slug")


class ExternalIdIn(ExternalIdFields, InputModel):
    """A row of external_ids.csv."""

    project: str
    source: str | None = None


class ExternalIdOut(ExternalIdFields):
    """A project's id in another database, with the database's name."""

    system_name: str = Field(description="Name of the database")
