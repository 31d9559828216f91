"""Plotly figures built from query rows: rows in, a Chart out. No request, no session.

Each Chart carries its figure as JSON (drawn by static/js/charts.js), a caption, and its data as
table rows, so every chart can be read without JavaScript.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
SECTOR_COLOURS = {
    "energy": "#E69F00",
    "transport": "#0072B2",
    "buildings": "#CC79A7",
    "waste": "#009E73",
    "environment": "#56B4E9",
    "nature": "#117733",
}
BASIS_COLOURS = {
    "claimed": "#D55E00",
    "reported": "#0072B2",
    "verified": "#009E73",
    "derived": "#6F6F6F",
}
EMISSION_KINDS = ("emissions_avoided", "emissions_reduction_pct", "coal_saved")
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}


@dataclass(frozen=True)
class ChartShare:
    """What a chart's toolbar offers besides the image downloads (set by app/web/chart_share.py,
    which knows the site's public address and the dataset version)."""

    page: str  # path (and query) of the page the chart is on, with its anchor
    permalink: str  # the same, absolute
    cite: str  # plain text: title, dataset version and its date, permalink
    embed: str  # absolute URL of the chart-only page under /embed/ that other sites may frame


@dataclass(frozen=True)
class Chart:
    """A figure with what a reader needs beside it: caption and the data as a table."""

    id: str
    title: str
    caption: str
    figure: dict[str, Any] | None
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    data_url: str | None = None  # every row behind a bounded chart, e.g. a CSV download
    share: ChartShare | None = None  # cite this, embed code (app/web/chart_share.py)

    @property
    def is_map(self) -> bool:
        """Whether the figure draws on a world map (the page then supplies the topojson)."""
        return any(t.get("type") == "scattergeo" for t in (self.figure or {}).get("data", []))

    @property
    def height(self) -> int:
        """The plot's height in px (the embed code sizes its frame from it)."""
        return int((self.figure or {}).get("layout", {}).get("height") or 400)

    @property
    def json(self) -> str:
        """The figure as JSON safe inside <script type="application/json"> (no '<' at all)."""
        return _figure_json(self.figure).replace("<", "\\u003c")


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
        **extra,
    }


# What a bar chart changes on a phone (static/js/charts.js applies layout.meta.narrow below
# 500 px): smaller labels, the legend under the plot, tighter margins.
NARROW_BARS = {
    "yaxis.tickfont.size": 10,
    "xaxis.tickfont.size": 10,
    "xaxis.title.font.size": 11,
    "legend.font.size": 11,
    "margin.l": 4,
    "margin.r": 4,
}


@lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    # plotly's default template, as go.Figure would embed it in every figure.
    return dict(go.Figure().to_dict()["layout"]["template"])


@lru_cache(maxsize=1)
def _template_json() -> str:
    return json.dumps(_template(), separators=(",", ":"))


def _figure_json(figure: dict[str, Any] | None) -> str:
    """json.dumps(figure) in its compact form; the template every `figure(...)` ends its layout
    with is written once per process and spliced in (it was most of each chart's JSON)."""
    layout = (figure or {}).get("layout")
    if (
        figure is None
        or list(figure) != ["data", "layout"]
        or not isinstance(layout, dict)
        or layout.get("template") is not _template()
        or list(layout)[-1] != "template"
    ):
        return json.dumps(figure, separators=(",", ":"))
    rest = {k: v for k, v in layout.items() if k != "template"}
    head = json.dumps({"data": figure["data"], "layout": rest}, separators=(",", ":"))
    return head[:-2] + ("," if rest else "") + '"template":' + _template_json() + "}}"


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A Plotly figure as plain JSON data, the same as go.Figure(...).to_json() gives.

    Built as dicts: constructing and validating go.Figure objects cost tens of milliseconds a
    chart, more than the rest of a page. Values must be JSON types (floats, strings, None)."""
    return {"data": _as_text(data), "layout": {**_as_text(layout), "template": _template()}}


def _as_text(value: Any, key: str = "") -> Any:
    """Escape every string Plotly would read as its pseudo-HTML, so names stay text.

    Plotly turns <a>, <b> and <br> in names and labels into SVG markup; escaped, it shows the
    characters. Templates (hovertemplate, ...) are ours and keep their markup."""
    if isinstance(value, str):
        return value if key.endswith("template") else html.escape(value, quote=False)
    if isinstance(value, dict):
        return {k: _as_text(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v, key) for v in value]
    return value


GEO = {
    "projection": {"type": "natural earth"},
    "showcountries": True,
    "countrycolor": "#bbbbbb",
    "showland": True,
    "landcolor": "#f1efe8",
    "resolution": 110,
}


def claims_by_project(
    rows: list[dict[str, Any]],
    *,
    sector_names: dict[str, str],
    chart_id: str = "claims",
    total: int | None = None,
    data_url: str | None = None,
) -> Chart:
    """Horizontal bars of each project's largest annual CO2 claim, coloured by sector.

    `rows` may be the largest claims only: `total` is how many there are in all, said in the
    caption, and `data_url` where all of them can be downloaded."""
    title = "Claimed annual CO2 reductions by project"
    caption = (
        "Largest annual reduction each project's sources claim, in tonnes of CO2 a year. "
        "Claims, not verified savings. Projects without an annual tonnes claim are not shown."
    )
    if total is not None and total > len(rows):
        title = f"Largest {len(rows)} claimed annual CO2 reductions"
        caption = (
            f"The largest {len(rows)} of {total:,} claims: {caption} "
            "The download has every project."
        )
    columns = ["Project", "Sector", "Claimed t CO2/yr"]
    table = [
        [
            r["name"],
            sector_names.get(r["sector_slug"], r["sector_slug"]),
            r["claimed_tco2_per_year"],
        ]
        for r in rows
    ]
    if not rows:
        return Chart(chart_id, title, caption, None, columns, table, data_url)
    ordered = list(reversed(rows))  # largest at the top of a horizontal bar chart
    traces = []
    for sector in dict.fromkeys(r["sector_slug"] for r in ordered):
        part = [r for r in ordered if r["sector_slug"] == sector]
        traces.append(
            {
                "customdata": [r["name"] for r in part],
                "hovertemplate": "%{customdata}: %{x:,.0f} t CO2/yr (claimed)<extra></extra>",
                "marker": {"color": SECTOR_COLOURS.get(sector, "#444444")},
                "name": sector_names.get(sector, sector),
                "orientation": "h",
                "x": [r["claimed_tco2_per_year"] for r in part],
                "y": [_short(r["name"]) for r in part],
                "type": "bar",
            }
        )
    layout = _layout(
        max(220, 60 + 34 * len(rows)),
        barmode="stack",
        xaxis={"title": {"text": "t CO2 per year (claimed)"}, "rangemode": "tozero"},
        yaxis={
            "categoryorder": "array",
            "categoryarray": [_short(r["name"]) for r in ordered],
            "automargin": True,
        },
        # The sectors' legend above the bars: under them, at -0.2 of a short plot's height,
        # it ran into the axis title (seen with three bars on a country's catalogue).
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
        margin={"l": 10, "r": 10, "t": 36 if len(traces) > 1 else 10, "b": 60},
        meta={"narrow": NARROW_BARS},
    )
    return Chart(chart_id, title, caption, figure(traces, layout), columns, table, data_url)


def project_map(
    rows: list[dict[str, Any]], *, sector_names: dict[str, str], chart_id: str = "map"
) -> Chart:
    """Projects with coordinates on a world map, coloured by sector."""
    title = "Where the projects are"
    caption = (
        "Projects with sourced or approximate coordinates (approximate ones are marked in the "
        "table). Projects without a location are not shown."
    )
    if len(rows) == 1:  # a project page's map (its embed page shows the title alone)
        title = f"Where {rows[0]['name']} is"
        caption = "Its coordinates: from a source, or approximate (said in the table)."
    columns = ["Project", "Sector", "Latitude", "Longitude", "Precision"]
    table = [
        [
            r["name"],
            sector_names.get(r["sector_slug"], r["sector_slug"]),
            r["latitude"],
            r["longitude"],
            r["location_precision"] or "",
        ]
        for r in rows
    ]
    if not rows:
        return Chart(chart_id, title, caption, None, columns, table)
    traces = []
    for sector in dict.fromkeys(r["sector_slug"] for r in rows):
        part = [r for r in rows if r["sector_slug"] == sector]
        traces.append(
            {
                "hovertemplate": "%{text}<extra></extra>",
                "lat": [r["latitude"] for r in part],
                "lon": [r["longitude"] for r in part],
                "marker": {
                    "color": SECTOR_COLOURS.get(sector, "#444444"),
                    "line": {"width": 1},
                    "size": 11,
                },
                "mode": "markers",
                "name": sector_names.get(sector, sector),
                "text": [r["name"] for r in part],
                "type": "scattergeo",
            }
        )
    geo: dict[str, Any] = dict(GEO)
    if len(rows) < 3:
        # A window around the point(s) with the neighbouring countries in it: fitting the
        # bounds of one point zoomed onto a blank square with no border in sight.
        lats = [r["latitude"] for r in rows]
        lons = [r["longitude"] for r in rows]
        geo["lataxis"] = {"range": [max(min(lats) - 9, -90), min(max(lats) + 9, 90)]}
        geo["lonaxis"] = {"range": [max(min(lons) - 14, -180), min(max(lons) + 14, 180)]}
    layout = _layout(360, margin={"l": 0, "r": 0, "t": 0, "b": 0}, geo=geo)
    return Chart(chart_id, title, caption, figure(traces, layout), columns, table)


def country_map(
    rows: list[dict[str, Any]], *, located: int, chart_id: str = "map", data_url: str | None = None
) -> Chart:
    """Located projects counted per country: one bubble per country (at the country's centre,
    from the map's own country shapes), its area proportional to the count."""
    title = "Where the projects are"
    caption = (
        f"{located:,} projects have coordinates: too many to draw one by one, so each bubble is "
        "a country, sized by how many of them it has (a project in two countries counts in "
        "both). Projects without a location are not counted."
    )
    columns = ["Country", "ISO code", "Projects with coordinates"]
    table = [[r["name"], r["iso3"], r["projects"]] for r in rows]
    if not rows:
        return Chart(chart_id, title, caption, None, columns, table, data_url)
    biggest = max(r["projects"] for r in rows)
    trace = {
        "customdata": [r["projects"] for r in rows],
        "hovertemplate": "%{text}: %{customdata:,} projects<extra></extra>",
        "locationmode": "ISO-3",
        "locations": [r["iso3"] for r in rows],
        "marker": {
            "color": SECTOR_COLOURS["environment"],
            "line": {"color": "#0072B2", "width": 1},
            "size": [r["projects"] for r in rows],
            "sizemin": 3,
            "sizemode": "area",
            "sizeref": 2.0 * biggest / 40**2,  # the largest bubble 40 px across
        },
        "mode": "markers",
        "name": "projects per country",
        "text": [r["name"] for r in rows],
        "type": "scattergeo",
    }
    layout = _layout(360, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False, geo=GEO)
    return Chart(chart_id, title, caption, figure([trace], layout), columns, table, data_url)


def metric_charts(metrics: list[dict[str, Any]], *, chart_id: str = "metric") -> list[Chart]:
    """One bar chart per unit of the project's emission claims: only like units share an axis."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for metric in metrics:
        if metric["kind"] in EMISSION_KINDS and metric["canonical_unit"]:
            by_unit.setdefault(metric["canonical_unit"], []).append(metric)
    # Ids by unit, not position: the chart's embed page (/embed/projects/{slug}/figures/t)
    # keeps showing the same unit when the project gains a figure in another.
    return [
        _unit_chart(unit, rows, f"{chart_id}-{unit_slug(unit)}")
        for unit, rows in sorted(by_unit.items())
    ]


def unit_slug(unit: str) -> str:
    """A canonical unit as a URL and id part: `t`, `percent`, `t-mwh`."""
    return re.sub(r"[^a-z0-9]+", "-", unit.replace("%", "percent").lower()).strip("-") or "unit"


def _unit_chart(unit: str, rows: list[dict[str, Any]], chart_id: str) -> Chart:
    labels = [_claim_label(r, i) for i, r in enumerate(rows, 1)]
    title = f"Emission claims in {unit}"
    caption = (
        f"Each bar is one figure as a source gives it, in {unit}, coloured by its basis "
        "(claimed, reported, verified, derived). Figures in other units are charted apart."
    )
    columns = ["Figure", "Value", "Unit", "Qualifier", "Basis", "Source"]
    table = [
        [label, r["canonical_value"], unit, r["qualifier"], r["basis"], r["source_title"]]
        for label, r in zip(labels, rows, strict=True)
    ]
    traces = []
    for basis in dict.fromkeys(r["basis"] for r in rows):
        part = [(lab, r) for lab, r in zip(labels, rows, strict=True) if r["basis"] == basis]
        traces.append(
            {
                "customdata": [[r["qualifier"], r["source_title"]] for _lab, r in part],
                "hovertemplate": "%{y}: %{x:,} " + unit + " (%{customdata[0]})<br>"
                "%{customdata[1]}<extra></extra>",
                "marker": {"color": BASIS_COLOURS.get(str(basis), "#444444")},
                "name": str(basis),
                "orientation": "h",
                "x": [r["canonical_value"] for _lab, r in part],
                "y": [lab for lab, _r in part],
                "type": "bar",
            }
        )
    layout = _layout(
        max(200, 70 + 34 * len(rows)),
        xaxis={"title": {"text": unit}, "rangemode": "tozero"},
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed(labels)),
            "automargin": True,
        },
        margin={"l": 10, "r": 10, "t": 10, "b": 60},
        meta={"narrow": NARROW_BARS},
    )
    return Chart(chart_id, title, caption, figure(traces, layout), columns, table)


def _short(name: str, limit: int = 30) -> str:
    """Axis labels stay short on a phone; the full name is in the hover text and the table."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _claim_label(metric: dict[str, Any], index: int) -> str:
    who = metric.get("claimant") or metric.get("source_publisher") or "source"
    year = metric["stated_on"].year if metric.get("stated_on") else None
    return f"{index}. {_short(who)}" + (f" ({year})" if year else "")


# ---------------------------------------------------------------- claim ÷ expected

VERDICT_COLOURS = {  # Okabe-Ito: vermillion over, orange under, bluish green consistent
    "above_range": "#D55E00",
    "below_range": "#E69F00",
    "consistent": "#009E73",
}
VERDICT_NAMES = {
    "above_range": "above what its inputs allow",
    "below_range": "below the expected range",
    "consistent": "within the expected range",
}
RATIO_FLOOR = 0.01  # a log axis has no 0: smaller ratios sit at the left edge, said in the table


def _times(tick: float) -> str:
    return f"{tick:g}×"


def _ratio_label(claim: Any, limit: int = 24) -> str:
    """Two short lines: the claimant and year, then the project. Escaped here (the tick text
    bypasses `figure`'s escaping so that its one <br> stays a line break)."""
    who = _short(claim.claimant or "Claimant not named", limit)
    year = f" {claim.stated_on.year}" if claim.stated_on else ""
    lines = (who + year, _short(claim.project_name, limit))
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def claim_ratio_chart(
    claims: list[Any],
    *,
    chart_id: str = "ratios",
    total: int | None = None,
    data_url: str | None = None,
) -> Chart:
    """Each checked claim as claim ÷ middle of its expected range, on a log axis, sorted,
    coloured by verdict; checks whose range starts at 0 (weak) drawn as open markers.

    A ratio has no unit, so tonnes a year, cumulative tonnes, percentages and intensities can
    share the axis: 1 is the middle of what the project's own data allow."""
    rows = [(c, k) for c in claims for k in c.checks[:1] if k.ratio is not None]
    rows.sort(key=lambda pair: -(pair[1].ratio or 0))
    title = "How far each claim is from what its inputs allow"
    caption = (
        "Each row is one claim: the figure as stated divided by the middle of the range the "
        "project's own activity data and sourced emission factors imply (1× = the middle; log "
        "scale, so 3× and ⅓× are equally far from it); for a power claim, its implied factor "
        "(t CO2 per MWh generated) divided by the country's grid average. Open circles are "
        "weak checks, whose range starts at 0. Claims that cannot be checked are listed on "
        "the claims page."
    )
    if total is not None and total > len(rows):
        caption += f" The {len(rows)} largest ratios of {total:,} checked claims are shown."
    columns = [
        "Claimant",
        "Stated",
        "Project",
        "Claim",
        "Claim ÷ expected",
        "Verdict",
        "Weak check",
    ]
    table = [
        [
            c.claimant or "",
            c.stated_on.isoformat() if c.stated_on else "",
            c.project_name,
            c.as_stated,
            k.ratio,
            k.verdict_label,
            "yes" if k.weak else "",
        ]
        for c, k in rows
    ]
    if not rows:
        return Chart(chart_id, title, caption, None, columns, table, data_url)
    labels = [_ratio_label(c) for c, _k in rows]
    keys = [f"claim {i}" for i in range(1, len(rows) + 1)]  # y categories; ticktext names them
    traces = []
    for verdict, name in VERDICT_NAMES.items():
        for weak in (False, True):
            part = [
                (key, c, k)
                for key, (c, k) in zip(keys, rows, strict=True)
                if k.verdict.value == verdict and k.weak == weak
            ]
            if not part:
                continue
            traces.append(
                {
                    "customdata": [[c.as_stated, k.why, c.project_name] for _l, c, k in part],
                    "hovertemplate": "%{customdata[2]}: %{customdata[0]}<br>%{x:.2g}× expected"
                    "<br>%{customdata[1]}<extra></extra>",
                    "marker": {
                        "color": VERDICT_COLOURS[verdict],
                        "line": {"color": VERDICT_COLOURS[verdict], "width": 2},
                        "size": 11,
                        "symbol": "circle-open" if weak else "circle",
                    },
                    "mode": "markers",
                    "name": f"{name}{' (weak check)' if weak else ''}",
                    "x": [max(k.ratio or RATIO_FLOOR, RATIO_FLOOR) for _l, _c, k in part],
                    "y": [label for label, _c, _k in part],
                    "type": "scatter",
                }
            )
    # The axis reaches the largest ratio: a fixed right edge at 40× hid a 72× claim.
    largest = max(k.ratio or RATIO_FLOOR for _c, k in rows)
    upper = max(1.6, math.log10(largest) + 0.15)
    ticks = [t for t in (0.01, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000) if t <= 10**upper]
    layout = _layout(
        max(260, 90 + 40 * len(rows)),
        xaxis={
            "type": "log",
            "title": {"text": "claim ÷ middle of expected range (log scale)"},
            "tickvals": ticks,
            "ticktext": [_times(t) for t in ticks],
            "range": [-2.1, upper],
            "zeroline": False,
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed(keys)),
            "automargin": True,
            "tickfont": {"size": 11},
        },
        shapes=[
            {
                "type": "line",
                "x0": 1,
                "x1": 1,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": "#55605a", "width": 1, "dash": "dot"},
            }
        ],
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        margin={"l": 10, "r": 10, "t": 10, "b": 50},
    )
    drawn = figure(traces, layout)
    drawn["layout"]["yaxis"] |= {"tickmode": "array", "tickvals": keys, "ticktext": labels}
    # static/js/charts.js applies these on a phone: shorter labels, fewer ticks, smaller type.
    drawn["layout"]["meta"] = {
        "narrow": {
            "yaxis.ticktext": [_ratio_label(c, 15) for c, _k in rows],
            "yaxis.tickfont.size": 10,
            "xaxis.tickvals": [t for t in ticks if t in (0.01, 0.1, 1, 10, 100, 1000)],
            "xaxis.ticktext": [_times(t) for t in ticks if t in (0.01, 0.1, 1, 10, 100, 1000)],
            "xaxis.title.text": "claim ÷ expected (log)",
            "legend.font.size": 11,
        }
    }
    return Chart(chart_id, title, caption, drawn, columns, table, data_url)
