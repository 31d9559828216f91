"""From AidData records to projects: which records are projects, how they group, and what
each project is (name, technology, capacity, status, countries, place).

Pure functions over the records and the mapping file; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from app.aiddata import parse
from app.aiddata.records import Record
from app.models import LocationPrecision, ProjectStatus


@dataclass(frozen=True)
class Left:
    """A record the import did not turn into a project, and why (shown in the report)."""

    record: Record
    reason: str


@dataclass
class PlannedProject:
    slug: str
    records: list[Record]
    mapped: bool  # a curated project: only financing and external ids are added
    name: str = ""
    technology: str = ""
    status: ProjectStatus | None = None
    capacity: tuple[float, str] | None = None
    capacity_record: int | None = None
    opened_on: date | None = None
    started_on: date | None = None
    countries: list[str] = field(default_factory=list)
    point: tuple[float, float] | None = None
    point_record: Record | None = None
    linked_in: list[int] = field(default_factory=list)  # attached by a link, not the mapping


@dataclass
class Plan:
    projects: list[PlannedProject]
    not_projects: list[Left]
    outside_taxonomy: list[Left]


def plan_import(
    records: list[Record], mapping: dict[int, str], reserved: frozenset[str] = frozenset()
) -> Plan:
    """Classify records, group linked ones, and describe each resulting project; new slugs
    avoid `reserved` (the curated projects' slugs)."""
    candidates: dict[int, Record] = {}
    technology: dict[int, str] = {}
    not_projects: list[Left] = []
    outside: list[Left] = []
    for record in records:
        reason = None if record.id in mapping else parse.not_a_project(record.title)
        tech = parse.technology(record.title)
        if reason:
            not_projects.append(Left(record, reason))
        elif tech is None and record.id not in mapping:
            outside.append(Left(record, _outside_reason(record.title)))
        else:
            candidates[record.id] = record
            technology[record.id] = tech or ""
    groups = _groups(candidates, technology, mapping)
    taken: set[str] = set(mapping.values()) | set(reserved)
    projects = [_project(group, technology, mapping, taken) for group in groups]
    projects = _merge_mapped(projects)
    return Plan(projects=projects, not_projects=not_projects, outside_taxonomy=outside)


def _outside_reason(title: str) -> str:
    found = parse.OUTSIDE_TAXONOMY.search(title)
    if found:
        return f"technology outside our taxonomy ({found.group(0).lower()})"
    return "no technology keyword in the title"


def _groups(
    candidates: dict[int, Record], technology: dict[int, str], mapping: dict[int, str]
) -> list[list[Record]]:
    """Union of records that name each other in "Linked to Project ID#..." when they are the
    same kind of asset (same technology, no conflicting capacity): AidData also links a dam to
    a neighbouring wind farm, and those stay apart. Records mapped to one slug go together."""
    parent = {record_id: record_id for record_id in candidates}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for record_id, record in candidates.items():
        for other in parse.linked_ids(record.title):
            if other in candidates and _same_asset(record, candidates[other], technology):
                union(record_id, other)
    by_slug: dict[str, list[int]] = defaultdict(list)
    for record_id, slug in mapping.items():
        if record_id in candidates:
            by_slug[slug].append(record_id)
    for ids in by_slug.values():
        for other in ids[1:]:
            union(ids[0], other)
    members: dict[int, list[Record]] = defaultdict(list)
    for record_id in sorted(candidates):
        members[find(record_id)].append(candidates[record_id])
    return sorted(members.values(), key=lambda group: group[0].id)


def _same_asset(a: Record, b: Record, technology: dict[int, str]) -> bool:
    if technology[a.id] != technology[b.id]:
        return False
    capacity_a, capacity_b = parse.capacity(a.title), parse.capacity(b.title)
    if capacity_a and capacity_b and capacity_a != capacity_b:
        return False
    phase_a, phase_b = _phase(a.title), _phase(b.title)
    if phase_a and phase_b and phase_a != phase_b:
        return False
    ordinals_a, ordinals_b = _ordinals(a.title), _ordinals(b.title)
    return not (ordinals_a and ordinals_b and ordinals_a != ordinals_b)


_ORDINAL = re.compile(r"\b((?i:first|second|third|fourth|fifth|sixth)|I{1,3}|IV|V|VI)\b")


def _ordinals(title: str) -> set[str]:
    """ "Second Wind Farm" and "Third Wind Farm" are two farms, though linked."""
    return {word.lower() for word in _ORDINAL.findall(parse.project_name(title))}


def _phase(title: str) -> str | None:
    """ "Phase 1" and "Phase 2A" of a railway are different works, though AidData links them."""
    found = re.search(r"\bphase\s+(\w+)", title, re.I)
    return found.group(1).lower() if found else None


def _project(
    group: list[Record], technology: dict[int, str], mapping: dict[int, str], taken: set[str]
) -> PlannedProject:
    mapped_slugs = sorted({mapping[r.id] for r in group if r.id in mapping})
    primary = max(group, key=lambda r: (r.amount_usd_2021 or 0, -r.id))
    if mapped_slugs:
        project = PlannedProject(slug=mapped_slugs[0], records=group, mapped=True)
        project.linked_in = [r.id for r in group if r.id not in mapping]
        if len(mapped_slugs) > 1:  # reported as a problem by the importer
            project.name = "conflict: " + ", ".join(mapped_slugs)
        return project
    name = parse.project_name(primary.title)
    project = PlannedProject(slug=_unique_slug(name, group, taken), records=group, mapped=False)
    project.name = name
    votes = Counter(technology[r.id] for r in group)
    project.technology = max(votes, key=lambda t: (votes[t], t == technology[primary.id]))
    for record in [primary, *group]:
        stated = parse.capacity(record.title)
        if stated:
            project.capacity, project.capacity_record = stated, record.id
            break
    project.status = _status(group)
    if project.status is ProjectStatus.operational:
        project.opened_on = max((r.completed_on for r in group if r.completed_on), default=None)
    project.started_on = min((r.started_on for r in group if r.started_on), default=None)
    project.countries = sorted({r.iso3 for r in group if r.iso3})
    for record in [primary, *group]:
        point = parse.map_point(record.osm)
        if point:
            project.point, project.point_record = point, record
            break
    return project


def _merge_mapped(projects: list[PlannedProject]) -> list[PlannedProject]:
    """Several groups may map to one curated project (three plants of one solar park)."""
    merged: dict[str, PlannedProject] = {}
    result: list[PlannedProject] = []
    for project in projects:
        if project.mapped and project.slug in merged:
            merged[project.slug].records += project.records
            merged[project.slug].linked_in += project.linked_in
            continue
        if project.mapped:
            merged[project.slug] = project
        result.append(project)
    return result


def _status(group: list[Record]) -> ProjectStatus:
    statuses = {parse.STATUS[r.status] for r in group}
    if statuses == {ProjectStatus.operational}:
        return ProjectStatus.operational
    if statuses & {ProjectStatus.operational, ProjectStatus.under_construction}:
        return ProjectStatus.under_construction
    return ProjectStatus.planned


_SLUG_NOISE = re.compile(
    r"\b(?:construction|project|projects|the|of|and|phase\s+\w+|\d+(?:[.,]\d+)?\s?(?:mw|km|kw|gw)"
    r"|\d+x\d+\s?mw)\b",
    re.I,
)


def _unique_slug(name: str, group: list[Record], taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", _SLUG_NOISE.sub(" ", name).lower()).strip("-")[:60]
    base = base.rstrip("-") or "aiddata"
    phase = re.search(r"\bphase\s+(\w+)", name, re.I)
    if phase:
        base = f"{base}-phase-{phase.group(1).lower()}"
    slug = base if base not in taken else f"{base}-{group[0].id}"
    taken.add(slug)
    return slug


def precision_of(project: PlannedProject) -> LocationPrecision | None:
    return parse.location_precision(project.point)
