"""Response models of organisations (their roles, lending and statements) and of the sums of
committed amounts the charts show."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.financing.model import FinancingOut
from app.organizations.model import OrganizationRef
from app.projects.model import PartyRole, ProjectRef


class OrganizationSummary(OrganizationRef):
    """An organisation with counts of what it does across projects."""

    project_count: int = Field(description="Projects it is a party to or lent to")
    financing_count: int = Field(description="Financing records naming it as lender")
    lent_usd_2021: float | None = Field(
        default=None,
        description="Sum of its records' amounts, constant 2021 USD (may double count: "
        "AidData's 'recommended for aggregates' flag is not applied)",
    )


class OrganizationRole(BaseModel):
    """A role an organisation plays in a project (owner, EPC, financier...)."""

    project: ProjectRef = Field(description="The project")
    role: PartyRole = Field(description="owner, developer, epc, operator, financier, ...")
    note: str | None = Field(default=None, description="Share, caveats and sources of the role")


class OrganizationDetail(OrganizationRef):
    """An organisation: its roles, its lending and how many statements it made."""

    note: str | None = Field(default=None, description="Notes on the organisation")
    roles: list[OrganizationRole] = Field(default_factory=list, description="Roles in projects")
    financing: list[FinancingOut] = Field(
        default_factory=list, description="Financing records naming it as lender"
    )
    lent_usd_2021: float | None = Field(
        default=None, description="Sum of those records' amounts (constant 2021 USD)"
    )
    statement_count: int = Field(description="Statements recorded for it (see /statements)")


class AmountRow(BaseModel):
    """A sum of committed amounts for a chart."""

    key: str
    label: str
    year: int | None = None
    amount_usd_2021: float
    records: int
