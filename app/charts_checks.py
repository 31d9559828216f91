"""Claimed versus expected: a pure Plotly figure builder for the overview.

Only tonnes-per-year claims share the axis (percentages and intensities are other quantities).
Claims are points; the expected range of each is an error bar around its middle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from app.charts import FONT, figure

CLAIM_COLOUR = "#D55E00"  # Okabe-Ito vermillion, as "claimed" elsewhere
EXPECTED_COLOUR = "#0072B2"


class CheckLike(Protocol):
    project_slug: str
    project_name: str
    metric_slug: str
    reading: str
    expected_low: float | None
    expected_high: float | None
    expected_unit: str | None
    claim_canonical_value: float | None
    claim_canonical_unit: str | None
    verdict_label: str


def comparable(checks: Sequence[CheckLike]) -> list[CheckLike]:
    """Checks of annual tonnes claims that have an expected range (the chart's rows)."""
    return [
        c
        for c in checks
        if c.expected_unit == "t/yr"
        and c.claim_canonical_unit == "t/yr"
        and c.claim_canonical_value is not None
        and c.expected_low is not None
        and c.expected_high is not None
    ]


def _label(check: CheckLike) -> str:
    claim_id = check.metric_slug.split("/", 1)[-1]
    reading = "" if check.reading == "as stated" else f" ({check.reading})"
    return f"{check.project_name}: {claim_id}{reading}"


def axis_labels(rows: Sequence[CheckLike]) -> list[str]:
    """Short axis labels, 'Karot Hydropower Project 3': the project and its claim's number.

    Long labels squeeze the plot on a phone; the full claim is in the hover text and table."""
    totals = Counter(c.project_slug for c in rows)
    seen: Counter[str] = Counter()
    labels = []
    for check in rows:
        seen[check.project_slug] += 1
        name = check.project_name
        name = name if len(name) <= 26 else name[:25].rstrip() + "…"
        number = seen[check.project_slug] if totals[check.project_slug] > 1 else ""
        labels.append(f"{name} {number}".rstrip())
    return labels


def claimed_vs_expected_figure(checks: Sequence[CheckLike]) -> dict[str, Any]:
    """A Plotly figure (as a dict): each annual CO2 claim as a point, its expected range as an
    error bar around the range's middle, in tonnes of CO2 per year."""
    rows = comparable(checks)
    labels = axis_labels(rows)
    full = [_label(c) for c in rows]
    lows = [float(c.expected_low or 0) for c in rows]
    highs = [float(c.expected_high or 0) for c in rows]
    mids = [(lo + hi) / 2 for lo, hi in zip(lows, highs, strict=True)]
    expected = {
        "customdata": [[lo, hi] for lo, hi in zip(lows, highs, strict=True)],
        "error_x": {
            "array": [hi - mid for hi, mid in zip(highs, mids, strict=True)],
            "arrayminus": [mid - lo for lo, mid in zip(lows, mids, strict=True)],
            "color": EXPECTED_COLOUR,
            "symmetric": False,
            "thickness": 3,
            "type": "data",
            "width": 6,
        },
        "hovertemplate": "%{text}<br>expected %{customdata[0]:,.0f}–%{customdata[1]:,.0f} t/yr"
        "<extra></extra>",
        "text": full,
        "marker": {"color": EXPECTED_COLOUR, "size": 12, "symbol": "line-ns-open"},
        "mode": "markers",
        "name": "expected range",
        "x": mids,
        "y": labels,
        "type": "scatter",
    }
    claimed = {
        "customdata": [[c.verdict_label] for c in rows],
        "hovertemplate": "%{text}<br>claimed %{x:,.0f} t/yr — %{customdata[0]}<extra></extra>",
        "text": full,
        "marker": {"color": CLAIM_COLOUR, "size": 10, "symbol": "circle"},
        "mode": "markers",
        "name": "claimed",
        "x": [float(c.claim_canonical_value or 0) for c in rows],
        "y": labels,
        "type": "scatter",
    }
    # The page's caption carries the title; the legend sits above the plot.
    layout = {
        "xaxis": {"title": {"text": "t CO2 per year"}, "rangemode": "tozero", "tickformat": ",.0f"},
        "yaxis": {"automargin": True, "autorange": "reversed"},
        "height": max(240, 60 + 36 * len(rows)),
        "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    # Plain dicts (app/charts.py `figure`): go.Scatter objects cost more than the page.
    return figure([expected, claimed], layout)
