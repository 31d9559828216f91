"""Charts of committed amounts: by lender, and by sector and year. Rows in, Chart out."""

from __future__ import annotations

from app.charts import NARROW_BARS, SECTOR_COLOURS, Chart, _layout, _short, figure
from app.financing.org_schemas import AmountRow

CAVEAT = (
    "Sums of AidData's amounts in constant 2021 US dollars. AidData's 'recommended for "
    "aggregates' flag is not in the copy imported, so a commitment recorded twice (an original "
    "loan and its refinancing) is counted twice."
)


def amounts_by_lender_chart(rows: list[AmountRow], *, chart_id: str = "lenders") -> Chart:
    """Horizontal bars of the amounts committed by each lender, largest at the top."""
    columns = ["Lender", "Committed (2021 US$)", "Records"]
    table = [[r.label, r.amount_usd_2021, r.records] for r in rows]
    title = "Committed amounts by lender"
    if not rows:
        return Chart(chart_id, title, CAVEAT, None, columns, table)
    ordered = list(reversed(rows))
    # Rows keyed apart from their labels: two names cut short alike stay two bars.
    keys = [f"lender {i}" for i in range(len(ordered), 0, -1)]
    labels = [_short(r.label, 30) for r in ordered]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [r.amount_usd_2021 for r in ordered],
        "y": keys,
        "text": [r.label for r in ordered],
        "customdata": [r.records for r in ordered],
        "hovertemplate": "%{text}: US$%{x:,.0f} (2021) in %{customdata} records<extra></extra>",
        "textposition": "none",
        "marker": {"color": "#0072B2"},
        "name": "Committed",
    }
    layout = _layout(
        max(220, 60 + 30 * len(rows)),
        xaxis={"title": {"text": "US$ (constant 2021)"}, "rangemode": "tozero", "nticks": 5},
        yaxis={"automargin": True, "tickmode": "array", "tickvals": keys, "ticktext": labels},
        showlegend=False,
        # On a phone (static/js/charts.js): names short enough to leave the bars some room.
        meta={"narrow": NARROW_BARS | {"yaxis.ticktext": [_short(r.label, 16) for r in ordered]}},
    )
    return Chart(chart_id, title, CAVEAT, figure([trace], layout), columns, table)


def amounts_by_sector_year_chart(
    rows: list[AmountRow], *, chart_id: str = "sector-years", lender_name: str | None = None
) -> Chart:
    """Stacked bars: committed amount per commitment year, one colour per sector."""
    title = "Committed amounts by sector and year" + (f": {lender_name}" if lender_name else "")
    columns = ["Year", "Sector", "Committed (2021 US$)", "Records"]
    table = [[r.year, r.label, r.amount_usd_2021, r.records] for r in rows]
    if not rows:
        return Chart(chart_id, title, CAVEAT, None, columns, table)
    traces = []
    for sector in dict.fromkeys(r.key for r in rows):
        part = [r for r in rows if r.key == sector]
        traces.append(
            {
                "type": "bar",
                "name": part[0].label,
                "x": [r.year for r in part],
                "y": [r.amount_usd_2021 for r in part],
                "marker": {"color": SECTOR_COLOURS.get(sector, "#444444")},
                "hovertemplate": "%{x}: US$%{y:,.0f} (2021)<extra>" + part[0].label + "</extra>",
            }
        )
    layout = _layout(
        320,
        barmode="stack",
        xaxis={"title": {"text": "Commitment year"}, "dtick": 2},
        yaxis={"title": {"text": "US$ (constant 2021)"}, "rangemode": "tozero"},
        meta={"narrow": NARROW_BARS | {"xaxis.dtick": 4, "yaxis.title.text": "US$ (2021)"}},
    )
    return Chart(chart_id, title, CAVEAT, figure(traces, layout), columns, table)
