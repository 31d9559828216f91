"""The dataset changelog: which projects and figures each load added, changed or removed.

A load hashes every project it touched (its row, countries, parties and figures) and each of
those figures, compares the hashes with the last ones stored, and writes one `record_change`
row per difference, in the load's own transaction. The work follows the load's size: records a
load did not touch are not read. Pages show "last changed" from `record_digest`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app import models as m
from app.changelog.model import RecordChange, RecordDigest

P = m.Project.__table__  # type: ignore[attr-defined]
MT = m.Metric.__table__  # type: ignore[attr-defined]
PC = m.ProjectCountry.__table__  # type: ignore[attr-defined]
PP = m.ProjectParty.__table__  # type: ignore[attr-defined]
RD = RecordDigest.__table__  # type: ignore[attr-defined]
RC = RecordChange.__table__  # type: ignore[attr-defined]
STATE = m.DatasetState.__table__  # type: ignore[attr-defined]
CHUNK = 500
# Derived by the loader from the rest, or bookkeeping: not a change a reader would see.
IGNORED = {"search_text", "claimed_tco2_per_year"}


def _digest(parts: Iterable[Any]) -> str:
    text = json.dumps(list(parts), default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _row(row: Any) -> list[Any]:
    return [(k, v) for k, v in sorted(row.items()) if k not in IGNORED]


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


Key = tuple[str, str]  # (kind, slug)


class _Seen(BaseModel):
    """A record as this load finds it: its digest, name and project."""

    digest: str
    name: str
    project: str


def _current(conn: Connection, slugs: list[str]) -> dict[Key, _Seen]:
    """These projects and their figures, hashed."""
    seen: dict[Key, _Seen] = {}
    figures: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute(select(MT).where(MT.c.project_slug.in_(slugs))).mappings():
        digest = _digest(_row(row))
        name = f"{row['kind']} {row['value']:g} {row['unit']}"
        seen[("figure", row["slug"])] = _Seen(digest=digest, name=name, project=row["project_slug"])
        figures[row["project_slug"]].append(digest)
    links: dict[str, list[str]] = defaultdict(list)
    for table, column in ((PC, PC.c.country_iso3), (PP, PP.c.organization_slug)):
        query = select(table.c.project_slug, column).where(table.c.project_slug.in_(slugs))
        for slug, value in conn.execute(query):
            links[slug].append(str(value))
    for row in conn.execute(select(P).where(P.c.slug.in_(slugs))).mappings():
        slug = row["slug"]
        digest = _digest([_row(row), sorted(links[slug]), sorted(figures[slug])])
        seen[("project", slug)] = _Seen(digest=digest, name=row["name"], project=slug)
    return seen


def _previous(conn: Connection, slugs: list[str]) -> dict[Key, dict[str, Any]]:
    """Stored digest rows of these projects and of every figure stored under them."""
    rows = conn.execute(select(RD).where(RD.c.project_slug.in_(slugs))).mappings()
    return {(row["kind"], row["slug"]): dict(row) for row in rows}


def record_load(conn: Connection, touched: set[str]) -> int:
    """Write this load's changes for the touched projects; returns how many were recorded.

    Call after the dataset version was bumped, inside the load's transaction. Work goes a
    chunk of projects at a time: memory holds one chunk's records."""
    version, loaded_at = conn.execute(select(STATE.c.version, STATE.c.loaded_at)).one()
    recorded = 0
    for part in _chunks(sorted(touched)):
        now, before = _current(conn, part), _previous(conn, part)
        changes = [
            {
                "version": version,
                "changed_at": loaded_at,
                "kind": kind,
                "slug": slug,
                "change": change,
                "name": now[(kind, slug)].name if (kind, slug) in now else slug,
            }
            for (kind, slug), change in _differences(now, before)
        ]
        if not changes:
            continue
        changed = {(c["kind"], c["slug"]) for c in changes}
        digests = [
            {
                "kind": kind,
                "slug": slug,
                "project_slug": record.project,
                "digest": record.digest,
                "changed_version": version
                if (kind, slug) in changed
                else before[(kind, slug)]["changed_version"],
                "changed_at": loaded_at
                if (kind, slug) in changed
                else before[(kind, slug)]["changed_at"],
            }
            for (kind, slug), record in now.items()
        ]
        conn.execute(delete(RD).where(RD.c.project_slug.in_(part)))
        if digests:
            conn.execute(RD.insert(), digests)
        conn.execute(RC.insert(), changes)
        recorded += len(changes)
    return recorded


def _differences(now: dict[Key, _Seen], before: dict[Key, dict[str, Any]]) -> list[tuple[Key, str]]:
    found = []
    for key in sorted(set(now) | set(before)):
        if key not in before:
            found.append((key, "added"))
        elif key not in now:
            found.append((key, "removed"))
        elif before[key]["digest"] != now[key].digest:
            found.append((key, "changed"))
    return found


# ---------------------------------------------------------------- reading


class LoadChanges(BaseModel):
    """What one load changed."""

    version: int = Field(description="Dataset version the load produced")
    changed_at: datetime = Field(description="When the load was applied")
    counts: dict[str, int] = Field(description="'project added', 'figure changed', ...: counts")
    projects: list[dict[str, str]] = Field(description="Projects added, changed or removed")


def recent_loads(session: Session, *, limit: int = 20, listed: int = 50) -> list[LoadChanges]:
    """The latest loads that changed something, newest first, with their project changes."""
    conn = session.connection()
    versions = conn.execute(
        select(RC.c.version, func.max(RC.c.changed_at))
        .group_by(RC.c.version)
        .order_by(RC.c.version.desc())
        .limit(limit)
    ).all()
    loads = []
    for version, changed_at in versions:
        counts = {
            f"{kind} {change}": int(n)
            for kind, change, n in conn.execute(
                select(RC.c.kind, RC.c.change, func.count())
                .where(RC.c.version == version)
                .group_by(RC.c.kind, RC.c.change)
            )
        }
        projects = [
            {"slug": slug, "name": name, "change": change}
            for slug, name, change in conn.execute(
                select(RC.c.slug, RC.c.name, RC.c.change)
                .where(RC.c.version == version, RC.c.kind == "project")
                .order_by(RC.c.change, RC.c.name)
                .limit(listed)
            )
        ]
        loads.append(
            LoadChanges(version=version, changed_at=changed_at, counts=counts, projects=projects)
        )
    return loads


def last_changed(session: Session, *, kind: str, slug: str) -> date | None:
    """When this record last changed (the load that added or changed it), if recorded."""
    found = (
        session.connection()
        .execute(select(RD.c.changed_at).where(RD.c.kind == kind, RD.c.slug == slug))
        .scalar()
    )
    return found.date() if found else None
