"""The base of every filter: the one parser of a query string, shared by pages, API, downloads.

A filter is a frozen pydantic model. FastAPI fills it from the query string
(`Annotated[ProjectFilter, Query()]`, see app/http/deps.py), code builds it directly, and both
go through the same normalisation, so `?sector=` means the same on /projects, /api/v1/projects
and /projects.csv. Normalised and frozen, a filter is hashable: caches key on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

PER_PAGE_MAX = 200
PAGE_MAX = 100_000
Q_MAX_LENGTH = 200


class FilterModel(BaseModel):
    """Query parameters of a list. Values within one parameter are OR, parameters are AND.

    Normalisation: an empty value is no value (a form submits its empty fields: `?sector=&q=`
    is the unfiltered list), and repeated values are de-duplicated and sorted, so two spellings
    of one filter are one cache entry. Unknown parameters are refused (extra="forbid")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for info in cls.model_fields.values():
            info.json_schema_extra = _empty_allowed
        cls.model_rebuild(force=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_empty_values(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        clean: dict[str, Any] = {}
        for key, value in data.items():
            if key == "q" and isinstance(value, str):
                value = collapse_whitespace(value)  # the search reads words
            if key in cls.model_fields:
                value = _without_empties(value)
                if value is None:
                    continue
            clean[key] = value
        return clean


# Keys that describe a parameter rather than the values it takes.
_ABOUT = {"title", "description", "default", "examples"}


def _empty_allowed(schema: dict[str, Any]) -> None:
    """Say in the OpenAPI schema what the parser does: an empty value is accepted (as no value),
    so clients and schema-driven fuzzers know `?page=` is not an error."""
    target = schema["items"] if schema.get("type") == "array" else schema
    values = {key: value for key, value in target.items() if key not in _ABOUT}
    if _accepts_empty(values):
        return
    for key in values:
        del target[key]
    target["anyOf"] = [values, {"type": "string", "maxLength": 0}]


class UnknownFilterValue(ValueError):
    """A filter names a value the data does not know; pages and API answer 422."""

    def __init__(self, parameter: str, value: str, hint: str = ""):
        self.parameter = parameter
        self.value = value
        message = f"unknown {parameter} {value!r}"
        super().__init__(message + (f"; {hint}" if hint else ""))


def _accepts_empty(schema: dict[str, Any]) -> bool:
    if "anyOf" in schema:
        return any(_accepts_empty(choice) for choice in schema["anyOf"])
    return schema.get("type") == "string" and not {"minLength", "pattern", "enum"} & set(schema)


def collapse_whitespace(text: str) -> str:
    """`q` as the search reads it, words apart: one text, one cache entry."""
    return " ".join(text.split())


def _without_empties(value: Any) -> Any:
    """None for an empty value; a sorted tuple of the distinct non-empty items of a list."""
    if isinstance(value, list | tuple | set | frozenset):
        items = {item for item in value if item is not None and item != ""}
        return tuple(sorted(items, key=str)) if items else None
    if value is None or value == "":
        return None
    return value


def _upper_codes(value: Any) -> Any:
    """ISO codes in any case, as the upper-case codes the data uses."""
    if isinstance(value, list | tuple):
        return tuple(sorted({v.upper() if isinstance(v, str) else v for v in value}, key=str))
    return value


# Country codes (ISO 3166-1 alpha-3), any case in, upper case out.
CountryCodes = Annotated[tuple[str, ...], BeforeValidator(_upper_codes)]


class View(StrEnum):
    """How a list page lays its results out."""

    cards = "cards"
    table = "table"


F = TypeVar("F", bound=FilterModel)


class PageView(FilterModel):
    """`view`, a presentation parameter of list pages (and their htmx fragments) only.

    A page's query model is its filter plus this (`class CataloguePage(ProjectFilter,
    PageView)`), so the page parses `view` with the same rules as every filter parameter: an
    empty value is the default, a bad value a 422 naming it. It is not a filter: the page
    passes `filter_only()` to the queries, so both views share one cache entry, and the API
    and downloads, which parse the filter alone, refuse `view` as an unknown parameter."""

    view: View = Field(default=View.cards, description="cards (default) or table; pages only")

    def filter_only(self, model: type[F]) -> F:
        """The same parameters as the filter `model` alone (already validated)."""
        return model.model_validate(self.model_dump(include=set(model.model_fields)))

    def view_items(self) -> list[tuple[str, str]]:
        """`view` as query-string pairs for the page's links: none for the default."""
        return [] if self.view is View.cards else [("view", self.view.value)]
