"""Jinja filters for numbers, units, dates and enum labels: templates format, they don't compute."""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from app.units import format_number


def number(value: Any, digits: int = 0) -> str:
    """1234567.8 -> '1,234,568'; None -> '—'."""
    if value is None:
        return "—"
    value = float(value)
    if digits == 0 and value != int(value) and abs(value) < 100:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,.{digits}f}"


def tonnes(value: Any) -> str:
    """Tonnes in words a reader scans: 3500000 -> '3.5 million t'."""
    if value is None:
        return "—"
    value = float(value)
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f}".rstrip("0").rstrip(".") + " million t"
    return f"{value:,.0f} t"


def usd(value: Any) -> str:
    """US dollars, rounded to millions above a million."""
    if value is None:
        return "—"
    value = float(value)
    if abs(value) >= 1_000_000_000:
        return f"US${value / 1_000_000_000:,.2f}".rstrip("0").rstrip(".") + " billion"
    if abs(value) >= 1_000_000:
        return f"US${value / 1_000_000:,.1f}".rstrip("0").rstrip(".") + " million"
    return f"US${value:,.0f}"


# Enum values whose words need more than capitalising.
LABELS = {
    "epc": "EPC contractor",
    "emissions_reduction_pct": "Emissions reduction (%)",
    "cost_reduction_pct": "Cost reduction (%)",
    "coal_saved": "Coal saved",
    "bri": "BRI project",
    "direct_quote": "Direct quote",
}


def label(value: Any) -> str:
    """An enum value as words: 'under_construction' -> 'Under construction'."""
    if value is None:
        return "—"
    raw = str(value.value if isinstance(value, Enum) else value)
    if raw in LABELS:
        return LABELS[raw]
    text = raw.replace("_", " ")
    return text[:1].upper() + text[1:]


def day(value: Any) -> str:
    """ISO date, the unambiguous form for an international audience."""
    if value is None:
        return "—"
    return value.isoformat() if isinstance(value, date) else str(value)


# Han characters, CJK punctuation and full-width forms: runs of them are Chinese in our data.
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def cjk(value: Any) -> Markup:
    """Text escaped, each run of Chinese characters marked lang="zh" (fonts, screen readers)."""
    if type(value) is str and value.isascii():  # most text: nothing to mark, no regex
        return escape(value)
    text = str(escape("" if value is None else value))
    return Markup(CJK_RUN.sub(lambda m: f'<span lang="zh">{m.group(0)}</span>', text))


def install(env: Environment) -> None:
    """Register the filters on the app's Jinja environment."""
    env.filters.update(
        figure=format_number, number=number, tonnes=tonnes, usd=usd, label=label, day=day, cjk=cjk
    )
