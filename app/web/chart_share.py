"""Cite this and embed code for every chart: each route hands its charts to `sharer(...)` with
the page they are on and their chart-only page under /embed/ (app/web/embed_pages.py), and the
toolbar under each chart (templates/_macros/ui.html chart_tools) shows what this adds."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fastapi import Request
from sqlmodel import Session

from app.charts import Chart, ChartShare
from app.web import trust


@dataclass(frozen=True)
class Sharer:
    """Shares the charts of one request: one dataset-version lookup for all of them."""

    base_url: str  # BRI_PUBLIC_URL, never the request's Host header
    stamp: str  # "Dataset version 7 of 2026-11-30": the date makes the permalink citable

    def __call__(self, chart: Chart, *, page: str, embed: str) -> Chart:
        """`chart` with its citation (a permalink to `page` at the chart) and `embed` page."""
        anchored = f"{page}#{chart.id}-title"
        permalink = self.base_url + anchored
        share = ChartShare(
            page=anchored,
            permalink=permalink,
            cite=f"{trust.SITE}. “{chart.title}” (chart). {self.stamp}. {permalink}",
            embed=self.base_url + embed,
        )
        return replace(chart, share=share)


def sharer(request: Request, session: Session) -> Sharer:
    """The sharer for this request's charts (the dataset version and date of the last load)."""
    version, loaded_at = trust.dataset_state(session)
    when = loaded_at.date().isoformat() if loaded_at else "undated"
    base_url = request.app.state.settings.public_url.rstrip("/")
    return Sharer(base_url=base_url, stamp=f"Dataset version {version} of {when}")
