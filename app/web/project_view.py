"""The project page's reading aids: repeated figures grouped with all their sources, and the
dataset's citation keys ("[J6]") resolved to a numbered reference list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from app.web.filters import cjk

CITATION_KEY = re.compile(r"\[([A-Z]{1,3}\d{1,3})\]")


@dataclass
class FigureGroup:
    """One figure as stated, with every metric (source, claimant, date) that states it."""

    first: Any
    members: list[Any] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)

    @property
    def slugs(self) -> str:
        return " ".join(m.slug for m in self.members)

    @property
    def bases(self) -> list[str]:
        return list(dict.fromkeys(str(m.basis) for m in self.members))

    @property
    def uncertain(self) -> bool:
        return any(m.uncertain for m in self.members)


def _figure_key(metric: Any) -> tuple[Any, ...]:
    return (
        str(metric.kind),
        metric.value,
        metric.value_high,
        metric.unit,
        str(metric.period),
        metric.year,
        metric.period_start,
        metric.period_end,
        str(metric.scope),
    )


def _check_key(check: Any) -> tuple[Any, ...]:
    ratio = round(check.ratio, 1) if check.ratio is not None else None
    return (check.reading, str(check.verdict), ratio)


def group_figures(metrics: list[Any], checks: list[Any]) -> list[FigureGroup]:
    """Metrics that state the same figure (kind, value, unit, period, scope) as one group, in
    the order each figure first appears; each group keeps the distinct verdicts of its checks."""
    groups: dict[tuple[Any, ...], FigureGroup] = {}
    by_metric: dict[str, list[Any]] = {}
    for check in checks:
        by_metric.setdefault(check.metric_slug, []).append(check)
    for metric in metrics:
        group = groups.setdefault(_figure_key(metric), FigureGroup(first=metric))
        group.members.append(metric)
        seen = {_check_key(c) for c in group.checks}
        for check in by_metric.get(metric.slug, []):
            if _check_key(check) not in seen:
                group.checks.append(check)
                seen.add(_check_key(check))
    return list(groups.values())


@dataclass
class References:
    """The project's sources, numbered; citation keys map to their number."""

    sources: list[Any]
    number_of_key: dict[str, int]

    def cite(self, text: str | None) -> Markup:
        """`text` escaped, each known key replaced by a link to its numbered reference."""
        if not text:
            return Markup("")

        def link(match: re.Match[str]) -> str:
            number = self.number_of_key.get(match.group(1))
            if number is None:
                return match.group(0)
            return f'<a class="cite" href="#ref-{number}">[{number}]</a>'

        return Markup(CITATION_KEY.sub(link, str(cjk(text))))


def references(sources: list[Any]) -> References:
    """Number the sources in their listed order; a source whose note carries a key ("fact
    sheet [J6]") answers to that key in the project's notes."""
    number_of_key: dict[str, int] = {}
    for number, source in enumerate(sources, 1):
        for key in CITATION_KEY.findall(source.note or ""):
            number_of_key.setdefault(key, number)
    return References(sources=sources, number_of_key=number_of_key)
