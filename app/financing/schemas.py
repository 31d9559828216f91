"""Response models of financing and cross-walk ids (pages and API alike).

They import nothing from app/api_schemas.py, which embeds them in ProjectDetail."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.models import FinancingInstrument, OrganizationKind


class LenderRef(BaseModel):
    """The organisation that lent."""

    slug: str = Field(description="Organisation identifier (/organizations/{slug})")
    name: str = Field(description="Organisation name")
    kind: OrganizationKind = Field(description="lender, government, company, ...")


class FinancingOut(BaseModel):
    """One financing commitment: who lent what, when, as AidData records it."""

    slug: str = Field(description="Identifier of the record (aiddata-<id>)")
    project_slug: str = Field(description="The project financed")
    project_name: str = Field(description="Its name")
    lender: LenderRef | None = Field(
        default=None, description="First lender the record names (None when it names none)"
    )
    co_lenders: str | None = Field(default=None, description="Other lenders the record names")
    amount_usd_2021: float | None = Field(
        default=None, description="Amount in constant 2021 US dollars, as AidData gives it"
    )
    amount_wording: str | None = Field(
        default=None, description="The nominal amount as the record's title words it"
    )
    instrument: FinancingInstrument = Field(description="Loan, buyer's credit, grant... or unknown")
    committed_on: date | None = Field(default=None, description="Commitment date")
    commitment_year: int | None = Field(default=None, description="Commitment year")
    status: str | None = Field(default=None, description="AidData's status of the record")
    title: str = Field(description="AidData's title of the record, as published")
    aiddata_id: int | None = Field(default=None, description="AidData record id")
    source_slug: str = Field(description="Source of the record")
    source_url: str | None = Field(default=None, description="AidData's record page")


class ExternalIdOut(BaseModel):
    """A project's id in another database."""

    system: str = Field(description="aiddata, osm, gem, wikidata, cdm, verra...")
    system_name: str = Field(description="Name of the database")
    value: str = Field(description="The id there")
    url: str | None = Field(default=None, description="The record's page there")


class AmountRow(BaseModel):
    """A sum of committed amounts for a chart."""

    key: str
    label: str
    year: int | None = None
    amount_usd_2021: float
    records: int
