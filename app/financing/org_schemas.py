"""Response models of organisations: their roles, lending and statements."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.api_schemas import OrganizationRef, ProjectRef
from app.financing.schemas import FinancingOut
from app.models import PartyRole


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
