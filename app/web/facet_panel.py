"""The checkboxes of a facet list (catalogue and claims explorer), written in Python.

Every catalogue page, fragment and claims page carries ~200 of them (150 countries, ~40
sectors and technologies, regions, lenders, ...), and on distinct URLs a Jinja macro call per
checkbox was the largest part of a page's CPU time (issue 11). The markup of a value apart from
its count and checked state never changes, so it is escaped once per process and reused."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from markupsafe import Markup, escape
from sqlmodel import Session

from app.projects.catalogue import ORDER_AND_PAGE, facet_values
from app.projects.filter import ProjectFilter
from app.queries.cache import cached


class FacetLike(Protocol):
    value: str
    label: str
    count: int
    selected: bool
    parent: str | None


@lru_cache(maxsize=16_384)
def _parts(name: str, value: str, label: str, child: bool, unit: str) -> tuple[str, str, str]:
    """The escaped markup of one value around its checked state and its count (twice)."""
    ident = escape(f"f-{name}-{value}")
    head = (
        f'<div class="facet-value{" child" if child else ""}">\n'
        f'  <input type="checkbox" name="{escape(name)}" value="{escape(value)}" id="{ident}" '
    )
    middle = f'>\n  <label for="{ident}">{escape(label)} <span class="count" aria-label="'
    tail = f' {escape(unit)}">'
    return head, middle, tail


def _value_html(name: str, f: FacetLike, unit: str) -> str:
    head, middle, tail = _parts(name, f.value, f.label, bool(f.parent), unit)
    checked = "checked" if f.selected else ""
    return f"{head}{checked}{middle}{f.count}{tail}{f.count}</span></label>\n</div>"


def facet_list(
    name: str, values: Sequence[FacetLike], unit: str = "projects", visible: int = 8
) -> Markup:
    """Each top value followed by its children (technologies of a sector, subregions of a
    region); after `visible` top values the rest fold under "Show N more" (no inner
    scrolling box hides options)."""
    listed = {f.value for f in values}
    children: dict[str, list[FacetLike]] = {}
    for f in values:
        if f.parent and f.parent in listed:
            children.setdefault(f.parent, []).append(f)
    tops = [f for f in values if not f.parent or f.parent not in listed]
    if not tops:
        return Markup('<p class="muted">None</p>')
    out: list[str] = []
    for index, f in enumerate(tops):
        if index == visible:
            out.append(
                f'<details class="facet-more"><summary>Show {len(tops) - visible} more</summary>'
            )
        out.append(_value_html(name, f, unit))
        out.extend(_value_html(name, child, unit) for child in children.get(f.value, ()))
    if len(tops) > visible:
        out.append("</details>")
    return Markup("\n".join(out))


def catalogue_facet_lists(session: Session, filters: ProjectFilter) -> dict[str, Markup]:
    """The catalogue's checkbox lists for a filter, by facet name."""
    return {name: Markup(html) for name, html in _catalogue_facet_lists(session, filters=filters)}


@cached("catalogue.facet-lists", ignore=ORDER_AND_PAGE)
def _catalogue_facet_lists(
    session: Session, *, filters: ProjectFilter
) -> tuple[tuple[str, str], ...]:
    """Drawn once per filter: more than half of distinct catalogue URLs repeat a filter with
    another sort or page (issue 11), and those need neither the ~200 facet values nor their
    markup again. Kept as plain strings in tuples, which the garbage collector does not
    track: cached models would lengthen every full collection (docs/performance.md)."""
    values = facet_values(session, filters=filters)
    return tuple((name, str(facet_list(name, found))) for name, found in values.items())
