"""Claimed versus expected: a pure Plotly figure builder for the overview.

Only tonnes-per-year claims share the axis (percentages and intensities are other quantities).
Claims are points; the expected range of each is an error bar around its middle.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from app.charts import FONT, Chart, _ratio_label, figure
from app.units import format_number

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


# ---------------------------------------------------------------- the baseline ladder

# One colour per baseline (Okabe-Ito), the claim's implied factor in black on top.
RUNG_COLOURS = {
    "grid-average": "#009E73",
    "ifi-cm": "#56B4E9",
    "ifi-om": "#0072B2",
    "gas-cc": "#E69F00",
    "coal": "#000000",
    "diesel": "#CC79A7",
}
RUNG_LABELS = {
    "grid-average": "grid average",
    "ifi-cm": "IFI combined margin",
    "ifi-om": "IFI operating margin",
    "gas-cc": "gas combined cycle",
    "coal": "coal",
    "diesel": "diesel/oil",
}
IMPLIED_COLOUR = "#D55E00"


class LadderLike(Protocol):
    project_slug: str
    project_name: str
    metric_slug: str
    reading: str
    ladder: dict[str, Any]
    claimant: str | None
    stated_on: date | None


LADDER_LABEL_CHARS = 22  # the plot keeps most of the width
NARROW_LABEL_CHARS = 14  # and on a phone (static/js/charts.js, layout.meta.narrow)


def ladder_labels(rows: Sequence[LadderLike], limit: int = LADDER_LABEL_CHARS) -> list[str]:
    """Y labels as the claims chart has them: who claimed it and when over the project (SVG
    text, escaped: set after `figure`, which would escape the line break)."""
    return [_ratio_label(row, limit) for row in rows]


def _who(row: LadderLike) -> str:
    """The claim in words for the hover text and the table: claimant (year), project."""
    year = f" ({row.stated_on.year})" if row.stated_on else ""
    return f"{row.claimant or 'Claimant not named'}{year}, {row.project_name}"


def _rung(row: LadderLike, key: str) -> dict[str, Any] | None:
    return next((r for r in row.ladder.get("rungs", []) if r["key"] == key), None)


# Each baseline a thin band at its own height under the claim's row, so overlapping ranges
# stay readable; the claim's dot sits on the row's line.
RUNG_OFFSETS = {
    "grid-average": -0.30,
    "ifi-cm": -0.18,
    "ifi-om": -0.06,
    "gas-cc": 0.06,
    "coal": 0.18,
    "diesel": 0.30,
}
LOG_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]


def _band_trace(key: str, rows: Sequence[LadderLike]) -> dict[str, Any]:
    ys, mids, lows, highs, text = [], [], [], [], []
    for index, row in enumerate(rows):
        rung = _rung(row, key)
        if rung is None or rung["high"] <= 0:
            continue
        low = max(rung["low"], 1e-3)
        mid = (low * rung["high"]) ** 0.5  # the middle on a log axis
        ys.append(index + RUNG_OFFSETS[key])
        mids.append(mid)
        lows.append(mid - low)
        highs.append(rung["high"] - mid)
        text.append(
            f"{rung['name']} ({rung['year']}): "
            f"{format_number(rung['low'])}–{format_number(rung['high'])}"
        )
    colour = RUNG_COLOURS[key]
    return {
        "type": "scatter",
        "mode": "markers",
        "name": RUNG_LABELS[key],
        "x": mids,
        "y": ys,
        "text": text,
        "hovertemplate": "%{text} t CO2/MWh<extra></extra>",
        # A tick at the middle, so a baseline published as one figure still shows.
        "marker": {"color": colour, "size": 9, "symbol": "line-ns-open", "line": {"width": 2}},
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": highs,
            "arrayminus": lows,
            "color": colour,
            "thickness": 4,
            "width": 0,
        },
    }


def _log_range(rows: Sequence[LadderLike]) -> list[float]:
    """The x range (log10) that holds every rung and every implied factor, a little padded."""
    values = [1.0]
    for row in rows:
        implied = row.ladder["implied"]
        values += [implied["value"], implied["low"], implied["high"] or implied["value"]]
        values += [v for r in row.ladder.get("rungs", []) for v in (r["low"], r["high"])]
    positive = [v for v in values if v and v > 0]
    return [math.log10(min(positive)) - 0.1, math.log10(max(positive)) + 0.1]


def ladder_figure(rows: Sequence[LadderLike]) -> dict[str, Any]:
    """Each power claim's implied factor (a dot with its range) against its country's
    baselines (a band per baseline under the claim), t CO2/MWh on a log scale: a dot right of
    every band exceeds every recognised baseline."""
    traces = [_band_trace(key, rows) for key in RUNG_COLOURS]
    implied = [row.ladder["implied"] for row in rows]
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": "claim: implied factor",
            "x": [i["value"] for i in implied],
            "y": list(range(len(rows))),
            "text": [row.ladder.get("verdict_text") or "no verdict (see findings)" for row in rows],
            "customdata": [[_who(row)] for row in rows],
            "hovertemplate": "%{customdata[0]}<br>implied %{x:.3g} t CO2/MWh<br>%{text}"
            "<extra></extra>",
            "marker": {
                "color": IMPLIED_COLOUR,
                "size": 11,
                "symbol": "circle",
                "line": {"color": "#ffffff", "width": 1},
            },
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": [
                    (i["high"] if i["high"] is not None else i["value"]) - i["value"]
                    for i in implied
                ],
                "arrayminus": [i["value"] - i["low"] for i in implied],
                "color": IMPLIED_COLOUR,
                "thickness": 2,
                "width": 5,
            },
        }
    )
    layout = {
        "xaxis": {
            "type": "log",
            "title": {"text": "t CO2/MWh (log scale)"},
            "range": _log_range(rows),
            "autorange": False,
            "tickvals": LOG_TICKS,
            "ticktext": [format_number(t) for t in LOG_TICKS],
            "gridcolor": "#e5e5e5",
        },
        "yaxis": {
            "automargin": True,
            "autorange": False,
            "range": [len(rows) - 0.5, -0.5],
            "tickvals": list(range(len(rows))),
            "zeroline": False,
            "showgrid": False,
        },
        "height": max(280, 110 + 48 * len(rows)),
        "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    drawn = figure(traces, layout)
    drawn["layout"]["yaxis"]["ticktext"] = ladder_labels(rows)
    drawn["layout"]["meta"] = {
        "narrow": {
            "yaxis.ticktext": ladder_labels(rows, NARROW_LABEL_CHARS),
            "yaxis.tickfont.size": 10,
            "xaxis.tickvals": [t for t in LOG_TICKS if t in (0.01, 0.1, 1)],
            "xaxis.ticktext": [format_number(t) for t in LOG_TICKS if t in (0.01, 0.1, 1)],
            "xaxis.title.text": "t CO2/MWh (log)",
            "legend.font.size": 11,
            "margin.l": 4,
            "margin.r": 4,
        }
    }
    return drawn


def ladder_table(rows: Sequence[LadderLike]) -> tuple[list[str], list[list[Any]]]:
    """The chart's data as a table: one row per claim, one column per baseline."""
    columns = ["Claim (who, when, project)", "Reading", "Implied t/MWh", "Implied low"]
    columns += ["Implied high"]
    columns += [f"{RUNG_LABELS[k]} (low–high)" for k in RUNG_COLOURS] + ["Verdict"]
    table = []
    for row in rows:
        implied = row.ladder["implied"]
        cells: list[Any] = [
            _who(row),
            row.reading,
            implied["value"],
            implied["low"],
            implied["high"] if implied["high"] is not None else "∞",
        ]
        for key in RUNG_COLOURS:
            rung = _rung(row, key)
            cells.append(
                f"{format_number(rung['low'])}–{format_number(rung['high'])} ({rung['year']})"
                if rung
                else "—"
            )
        cells.append(row.ladder.get("verdict_text") or "no verdict: see the findings")
        table.append(cells)
    return columns, table


def ladder_chart(rows: Sequence[LadderLike], *, chart_id: str = "ladder") -> Chart:
    """The ladder chart with its caption and data table (templates/_partials/ladder_chart.html)."""
    columns, table = ladder_table(rows)
    return Chart(
        id=chart_id,
        title="Power claims against the baselines they could rest on",
        caption="Each dot is a power claim's implied factor: the tonnes of CO2 it claims divided "
        "by the generation of the same period, with the range its rounding and the spread of "
        "generation figures allow. The bands are its country's baselines: average grid "
        "(Ember / Energy Institute via Our World in Data), the IFI combined and operating "
        "margins lenders use, and gas, coal and diesel generation (IPCC). A dot to the right "
        "of every band exceeds every recognised baseline. Log scale.",
        figure=ladder_figure(rows) if rows else None,
        columns=columns,
        rows=table,
    )
