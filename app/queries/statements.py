"""Statements: who said what, when and where, filterable by organisation, project and sector."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlmodel import Session

from app import models as m
from app.queries.cache import cached
from app.queries.projects import UnknownFilterValue, vocabulary

ST = m.Statement.__table__  # type: ignore[attr-defined]
SP = m.StatementProject.__table__  # type: ignore[attr-defined]
SS = m.StatementSector.__table__  # type: ignore[attr-defined]
O = m.Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
PE = m.Person.__table__  # type: ignore[attr-defined]
SO = m.Source.__table__  # type: ignore[attr-defined]
P = m.Project.__table__  # type: ignore[attr-defined]


@cached("statement-vocabulary")
def statement_vocabulary(session: Session) -> dict[str, dict[str, str]]:
    """Organisations that made statements, and all projects, with their names."""
    conn = session.connection()
    organizations = conn.execute(
        select(O.c.slug, O.c.name)
        .where(exists().where(ST.c.organization_slug == O.c.slug))
        .order_by(O.c.name)
    ).all()
    projects = conn.execute(select(P.c.slug, P.c.name).order_by(P.c.name)).all()
    return {
        "organizations": {slug: name for slug, name in organizations},
        "projects": {slug: name for slug, name in projects},
    }


def validate_statement_filter(
    session: Session, *, organization: list[str], project: list[str], sector: list[str]
) -> None:
    """Raise UnknownFilterValue for an organisation, project or sector the data does not know."""
    vocab = statement_vocabulary(session)
    for value in organization:
        if value not in vocab["organizations"]:
            raise UnknownFilterValue("organization", value, "use an organisation slug")
    for value in project:
        if value not in vocab["projects"]:
            raise UnknownFilterValue("project", value, "use a project slug")
    sectors = vocabulary(session)["sectors"]
    for value in sector:
        if value not in sectors:
            raise UnknownFilterValue("sector", value, "use a sector or technology slug")


def statement_rows(
    session: Session,
    *,
    organization: list[str] | None = None,
    project: list[str] | None = None,
    sector: list[str] | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Statements matching the filters (OR within one, AND across), newest first, with sources."""
    conditions = _conditions(session, organization or [], project or [], sector or [])
    statement = (
        select(
            ST,
            PE.c.name.label("speaker_name"),
            PE.c.title.label("speaker_title"),
            O.c.name.label("organization_name"),
            SO.c.title.label("source_title"),
            SO.c.publisher.label("source_publisher"),
            SO.c.url.label("source_url"),
            SO.c.published_on.label("source_published_on"),
        )
        .outerjoin(PE, PE.c.slug == ST.c.speaker_slug)
        .outerjoin(O, O.c.slug == ST.c.organization_slug)
        .join(SO, SO.c.slug == ST.c.source_slug)
        .where(*conditions)
        .order_by(ST.c.said_on.is_(None), ST.c.said_on.desc(), ST.c.slug)
        .limit(limit)
    )
    conn = session.connection()
    rows = [dict(row) for row in conn.execute(statement).mappings()]
    projects = _projects_of(session, [row["slug"] for row in rows])
    for row in rows:
        row["projects"] = projects.get(row["slug"], [])
    return rows


def count_statements(session: Session) -> int:
    """All statements in the data."""
    return int(session.connection().execute(select(func.count()).select_from(ST)).scalar() or 0)


def _conditions(
    session: Session, organization: list[str], project: list[str], sector: list[str]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if organization:
        conditions.append(ST.c.organization_slug.in_(organization))
    if project:
        conditions.append(
            exists().where(SP.c.statement_slug == ST.c.slug, SP.c.project_slug.in_(project))
        )
    if sector:
        # A sector includes its technologies, as in the catalogue.
        sectors = vocabulary(session)["sectors"]
        wanted = set(sector) | {slug for slug, (_n, parent) in sectors.items() if parent in sector}
        about_project = exists().where(
            SP.c.statement_slug == ST.c.slug,
            SP.c.project_slug == P.c.slug,
            (P.c.sector_slug.in_(wanted)) | (P.c.technology_slug.in_(wanted)),
        )
        about_sector = exists().where(
            SS.c.statement_slug == ST.c.slug, SS.c.sector_slug.in_(wanted)
        )
        conditions.append(about_sector | about_project)
    return conditions


def _projects_of(session: Session, slugs: list[str]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    if not slugs:
        return found
    statement = (
        select(SP.c.statement_slug, P.c.slug, P.c.name)
        .join(P, P.c.slug == SP.c.project_slug)
        .where(SP.c.statement_slug.in_(slugs))
        .order_by(P.c.name)
    )
    for statement_slug, slug, name in session.connection().execute(statement):
        found[statement_slug].append({"slug": slug, "name": name})
    return found
