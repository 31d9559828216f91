"""Which fields key each input table and which reference another: shared by the loader, which
checks keys and references, and its helper process, which sends only these fields back."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "sectors": ("slug",),
    "sources": ("slug",),
    "organizations": ("slug",),
    "people": ("slug",),
    "reference_factors": ("slug",),
    "projects": ("slug",),
    "project_countries": ("project", "country"),
    "project_parties": ("project", "organization", "role"),
    "project_sources": ("project", "source"),
    "statements": ("slug",),
    "statement_projects": ("statement", "project"),
    "statement_sectors": ("statement", "sector"),
    "metrics": ("slug",),
    "financing": ("slug",),
    "external_ids": ("project", "system", "value"),
}
# A row's key: the bare slug, or a tuple of the fields (1M bare slugs cost less than tuples).
KEYS: dict[str, Callable[[Any], Any]] = {t: attrgetter(*f) for t, f in KEY_FIELDS.items()}


REFERENCES: list[tuple[str, str, str]] = [
    ("sectors", "parent", "sector"),
    ("organizations", "country", "country"),
    ("people", "organization", "organization"),
    ("reference_factors", "country", "country"),
    ("reference_factors", "source", "source"),
    ("projects", "technology", "sector"),
    ("projects", "location_source", "source"),
    ("project_countries", "project", "project"),
    ("project_countries", "country", "country"),
    ("project_parties", "project", "project"),
    ("project_parties", "organization", "organization"),
    ("project_sources", "project", "project"),
    ("project_sources", "source", "source"),
    ("statements", "speaker", "person"),
    ("statements", "organization", "organization"),
    ("statements", "source", "source"),
    ("statement_projects", "statement", "statement"),
    ("statement_projects", "project", "project"),
    ("statement_sectors", "statement", "statement"),
    ("statement_sectors", "sector", "sector"),
    ("metrics", "project", "project"),
    ("metrics", "source", "source"),
    ("metrics", "statement", "statement"),
    ("financing", "project", "project"),
    ("financing", "lender", "organization"),
    ("financing", "source", "source"),
    ("external_ids", "project", "project"),
    ("external_ids", "source", "source"),
]
# What the writing side reads of a row that a parser process validated: its key, its
# references and the fields the writer needs. The process sends these, not the model.
VIEW_FIELDS: dict[str, tuple[str, ...]] = {
    table: tuple(
        dict.fromkeys(
            [
                *KEY_FIELDS[table],
                *(f for tb, f, _t in REFERENCES if tb == table),
                *({"projects": ("technology",), "sectors": ("parent",)}.get(table, ())),
            ]
        )
    )
    for table in KEY_FIELDS
}
