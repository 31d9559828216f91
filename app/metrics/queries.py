"""Metric queries: a filtered page of metrics, and a project's metrics. Keyword-only, they take
the filter and return the public models of app/metrics/model.py."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlmodel import Session

from app.filtering import UnknownFilterValue
from app.metrics.filter import MetricFilter
from app.metrics.model import Metric, MetricOut, MetricPage
from app.places.vocabulary import require_countries, require_sectors
from app.projects.model import Project, ProjectCountry
from app.sources.queries import sources_by_slug

MT = Metric.__table__  # type: ignore[attr-defined]
P = Project.__table__  # type: ignore[attr-defined]
PC = ProjectCountry.__table__  # type: ignore[attr-defined]


def _metric_select() -> Select[Any]:
    return select(MT, P.c.name.label("project_name")).join(P, P.c.slug == MT.c.project_slug)


def _metrics(
    session: Session, statement: Select[Any], params: dict[str, Any] | None = None
) -> list[MetricOut]:
    rows = session.connection().execute(statement, params).mappings().all()
    sources = sources_by_slug(session, (r["source_slug"] for r in rows))
    return [MetricOut.from_row(r, source=sources[r["source_slug"]]) for r in rows]


def _require_projects(session: Session, slugs: tuple[str, ...]) -> None:
    found = set(session.connection().execute(select(P.c.slug).where(P.c.slug.in_(slugs))).scalars())
    for slug in slugs:
        if slug not in found:
            raise UnknownFilterValue("project", slug, "use a project slug")


def _conditions(session: Session, filters: MetricFilter) -> list[ColumnElement[bool]]:
    """WHERE clauses of the filter; unknown project, sector or country values raise."""
    conditions: list[ColumnElement[bool]] = []
    if filters.project:
        _require_projects(session, filters.project)
        conditions.append(MT.c.project_slug.in_(filters.project))
    if filters.kind:
        conditions.append(MT.c.kind.in_([k.value for k in filters.kind]))
    if filters.basis:
        conditions.append(MT.c.basis.in_([b.value for b in filters.basis]))
    require_sectors(session, filters.sector)
    if filters.sector:
        conditions.append(
            or_(P.c.sector_slug.in_(filters.sector), P.c.technology_slug.in_(filters.sector))
        )
    require_countries(session, filters.country)
    if filters.country:
        conditions.append(
            exists().where(
                and_(PC.c.project_slug == P.c.slug, PC.c.country_iso3.in_(filters.country))
            )
        )
    return conditions


def metric_conditions(session: Session, filters: MetricFilter) -> list[ColumnElement[bool]]:
    """WHERE clauses on metric (joined to project) for the filter; unknown values raise (the
    streamed download checks them before its first byte)."""
    return _conditions(session, filters)


def list_metrics(session: Session, *, filters: MetricFilter) -> MetricPage:
    """A page of metrics, by project then kind; values OR within a filter, AND across."""
    conditions = _conditions(session, filters)
    joined = MT.join(P, P.c.slug == MT.c.project_slug)
    total_statement = select(func.count()).select_from(joined).where(*conditions)
    total = int(session.connection().execute(total_statement).scalar() or 0)
    statement = (
        _metric_select()
        .where(*conditions)
        .order_by(MT.c.project_slug, MT.c.kind, MT.c.slug)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    items = _metrics(session, statement)
    return MetricPage(items=items, total=total, page=filters.page, per_page=filters.per_page)


def project_metrics(session: Session, *, slug: str) -> list[MetricOut]:
    """A project's metrics by kind, then date stated (undated last)."""
    return _metrics(session, _project_metrics(), {"slug": slug})


@lru_cache(maxsize=1)
def _project_metrics() -> Select[Any]:
    # Built once, the slug bound per call: building it cost more than running it.
    return (
        _metric_select()
        .where(MT.c.project_slug == bindparam("slug"))
        .order_by(MT.c.kind, MT.c.stated_on.is_(None), MT.c.stated_on, MT.c.slug)
    )
