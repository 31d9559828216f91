"""The catalogue filter: one model for the /projects page, /api/v1/projects and the downloads."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from app.filtering import PAGE_MAX, PER_PAGE_MAX, Q_MAX_LENGTH, CountryCodes, FilterModel
from app.models import Verdict
from app.projects.model import ProjectKind, ProjectStatus

LIST_FIELDS = ("sector", "country", "region", "status", "kind", "verdict", "lender")


class SortKey(StrEnum):
    name = "name"
    name_desc = "-name"
    capacity = "capacity"
    capacity_desc = "-capacity"
    claimed = "claimed"
    claimed_desc = "-claimed"
    opened = "opened"
    opened_desc = "-opened"


class ProjectFilter(FilterModel):
    """Catalogue query parameters. Values within one parameter are OR, parameters are AND."""

    sector: tuple[str, ...] = Field(
        default=(), description="Sector or technology slug (repeatable)"
    )
    country: CountryCodes = Field(default=(), description="ISO 3166-1 alpha-3 (repeatable)")
    region: tuple[str, ...] = Field(
        default=(), description="UN M49 region or subregion slug, e.g. south-eastern-asia"
    )
    status: tuple[ProjectStatus, ...] = Field(default=(), description="Project status")
    kind: tuple[ProjectKind, ...] = Field(
        default=(), description="bri (overseas project) or reference (domestic showcase)"
    )
    verdict: tuple[Verdict, ...] = Field(
        default=(), description="Verdict of a claim check on any of the project's claims"
    )
    lender: tuple[str, ...] = Field(
        default=(),
        description="Organisation slug of a lender: named by a financing record, or a financier",
    )
    q: str | None = Field(default=None, max_length=Q_MAX_LENGTH, description="Text search")
    sort: SortKey = Field(default=SortKey.name, description="Sort order; '-' for descending")
    page: int = Field(default=1, ge=1, le=PAGE_MAX, description="Page number, from 1")
    per_page: int = Field(default=50, ge=1, le=PER_PAGE_MAX, description="Rows per page")

    def query_items(self, **changes: object) -> list[tuple[str, str]]:
        """The filter as query-string pairs (defaults left out), with `changes` applied."""
        data = self.model_dump(mode="json")
        data.update(changes)
        pairs: list[tuple[str, str]] = []
        for key in LIST_FIELDS:
            pairs += [(key, str(v)) for v in data[key]]
        if data["q"]:
            pairs.append(("q", data["q"]))
        if data["sort"] != SortKey.name.value:
            pairs.append(("sort", str(data["sort"])))
        if data["page"] != 1:
            pairs.append(("page", str(data["page"])))
        if data["per_page"] != 50:
            pairs.append(("per_page", str(data["per_page"])))
        return pairs
