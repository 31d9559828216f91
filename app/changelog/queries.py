"""The dataset changelog: which projects and figures each load added, changed or removed.

A load hashes every project it touched (its row, countries, parties and figures) and each of
those figures, compares the hashes with the last ones stored, and writes one `record_change`
row per difference, in the load's own transaction. The work follows the load's size: records a
load did not touch are not read. Pages show "last changed" from `record_digest`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import Select, String, bindparam, cast, delete, func, select, tuple_
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
    # Every value is read as text (below), so repr is stable and cheap; the digest only has
    # to change when a value does.
    return hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=16).hexdigest()


def _as_text(table: Any) -> list[Any]:
    """The table's columns (bookkeeping left out) read as text: no enum or date objects to
    build per row, which is most of the cost on a large load."""
    return [cast(c, String).label(c.name) for c in table.c if c.name not in IGNORED]


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


Key = tuple[str, str]  # (kind, slug)


class _Seen(NamedTuple):
    """A record as this load finds it: its digest, name and project."""

    digest: str
    name: str
    project: str


def _current(conn: Connection, slugs: list[str]) -> dict[Key, _Seen]:
    """These projects and their figures, hashed."""
    seen: dict[Key, _Seen] = {}
    figures: dict[str, list[str]] = defaultdict(list)
    columns = _as_text(MT)
    names = [c.name for c in columns]
    at = {name: names.index(name) for name in ("slug", "project_slug", "kind", "value", "unit")}
    for row in conn.execute(select(*columns).where(MT.c.project_slug.in_(slugs))):
        digest = _digest(row)
        project = row[at["project_slug"]]
        name = f"{row[at['kind']]} {row[at['value']]} {row[at['unit']]}"
        seen[("figure", row[at["slug"]])] = _Seen(digest, name, project)
        figures[project].append(digest)
    links: dict[str, list[str]] = defaultdict(list)
    for table, column in ((PC, PC.c.country_iso3), (PP, PP.c.organization_slug)):
        query = select(table.c.project_slug, column).where(table.c.project_slug.in_(slugs))
        for slug, value in conn.execute(query):
            links[slug].append(str(value))
    columns = _as_text(P)
    names = [c.name for c in columns]
    slug_at, name_at = names.index("slug"), names.index("name")
    for row in conn.execute(select(*columns).where(P.c.slug.in_(slugs))):
        slug = row[slug_at]
        digest = _digest([tuple(row), sorted(links[slug]), sorted(figures[slug])])
        seen[("project", slug)] = _Seen(digest, row[name_at], slug)
    return seen


def _previous(conn: Connection, slugs: list[str]) -> dict[Key, str]:
    """Stored digests of these projects and of every figure stored under them."""
    query = select(RD.c.kind, RD.c.slug, RD.c.digest).where(RD.c.project_slug.in_(slugs))
    return {(kind, slug): digest for kind, slug, digest in conn.execute(query)}


def record_load(conn: Connection, touched: set[str]) -> int:
    """Write this load's changes for the touched projects; returns how many were recorded.

    Call after the dataset version was bumped, inside the load's transaction. Work goes a
    chunk of projects at a time: memory holds one chunk's records. Only changed records'
    digests are rewritten, so a reload that changes nothing writes nothing."""
    version, loaded_at = conn.execute(select(STATE.c.version, STATE.c.loaded_at)).one()
    recorded = 0
    for part in _chunks(sorted(touched)):
        now, before = _current(conn, part), _previous(conn, part)
        found = _differences(now, before)
        if not found:
            continue
        conn.execute(
            delete(RD).where(
                RD.c.project_slug.in_(part),
                tuple_(RD.c.kind, RD.c.slug).in_([key for key, change in found if key in before]),
            )
        )
        digests = [
            {
                "kind": kind,
                "slug": slug,
                "project_slug": now[(kind, slug)].project,
                "digest": now[(kind, slug)].digest,
                "changed_version": version,
                "changed_at": loaded_at,
            }
            for (kind, slug), change in found
            if change != "removed"
        ]
        if digests:
            conn.execute(RD.insert(), digests)
        # A new project's figures are new with it: the changelog names the project only.
        added = {slug for (kind, slug), change in found if kind == "project" and change == "added"}
        changes = [
            {
                "version": version,
                "changed_at": loaded_at,
                "kind": kind,
                "slug": slug,
                "change": change,
                "name": now[(kind, slug)].name if (kind, slug) in now else slug,
            }
            for (kind, slug), change in found
            if not (change == "added" and kind == "figure" and now[(kind, slug)].project in added)
        ]
        conn.execute(RC.insert(), changes)
        recorded += len(changes)
    return recorded


def _differences(now: dict[Key, _Seen], before: dict[Key, str]) -> list[tuple[Key, str]]:
    found = []
    for key in sorted(set(now) | set(before)):
        if key not in before:
            found.append((key, "added"))
        elif key not in now:
            found.append((key, "removed"))
        elif before[key] != now[key].digest:
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
    found = session.connection().execute(_last_changed(), {"kind": kind, "slug": slug}).scalar()
    return found.date() if found else None


@lru_cache(maxsize=1)
def _last_changed() -> Select[Any]:
    # Built once, values bound per call (every record page asks).
    return select(RD.c.changed_at).where(
        RD.c.kind == bindparam("kind"), RD.c.slug == bindparam("slug")
    )
