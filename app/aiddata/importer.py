"""`bri-tracker import aiddata FILE`: AidData GCDF 3.0 records into projects and financing.

Validate everything first (file, mapping, and what the database already holds), then write in
one transaction. Re-running with the same file gives the same rows: the import owns its
financing, its external ids, its sources and the projects it created (origin "aiddata"), and
replaces them; a curated project named in the mapping file only gains financing and ids.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from app import models as m
from app.aiddata import parse
from app.aiddata.plan import Left, Plan, PlannedProject, plan_import, precision_of
from app.aiddata.records import Record, read_mapping, read_records
from app.financing.search import refresh_search_text
from app.loader.inputs import LoadError, Problem

ORIGIN = "aiddata"
DATASET_SOURCE = "aiddata-gcdf-3"
PUBLISHER = "AidData, a research lab at William & Mary"
LICENCE_NOTE = (
    "AidData's Global Chinese Development Finance Dataset, Version 3.0 (Custer et al., 2023), "
    "licensed under ODC-By 1.0 (attribution required). Amounts in constant 2021 US dollars; "
    "AidData's 'recommended for aggregates' flag is not in the copy imported, so sums of these "
    "amounts may count a commitment twice."
)
MAPPING_FILE = "mapping.yaml"


def _t(model: type[Any]) -> Any:
    return model.__table__  # type: ignore[attr-defined]


P, PC, PP, PS = _t(m.Project), _t(m.ProjectCountry), _t(m.ProjectParty), _t(m.ProjectSource)
F, X, O, S = _t(m.Financing), _t(m.ExternalId), _t(m.Organization), _t(m.Source)  # noqa: E741


@dataclass
class ImportReport:
    """What an import did: counts, and every record it did not turn into a project."""

    records: int = 0
    financing: int = 0
    projects_created: int = 0
    projects_mapped: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    not_projects: list[Left] = field(default_factory=list)
    outside_taxonomy: list[Left] = field(default_factory=list)
    linked_in: dict[str, list[int]] = field(default_factory=dict)
    unnamed_lenders: list[Record] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as text, for the command line."""
        out = [
            f"{self.records} AidData records: {self.financing} financing records on "
            f"{self.projects_created} new projects and {len(self.projects_mapped)} curated ones",
            "new projects by sector: " + _counts(self.by_sector),
            "new projects by country: " + _counts(self.by_country),
        ]
        for slug, n in sorted(self.projects_mapped.items()):
            extra = self.linked_in.get(slug)
            linked = (
                f" (by link, not in the mapping: {', '.join(map(str, extra))})" if extra else ""
            )
            out.append(f"  curated {slug}: {n} financing record(s){linked}")
        out.append(f"not a project ({len(self.not_projects)}), kept out of the catalogue:")
        out += [
            f"  #{left.record.id} {left.reason}: {left.record.title}" for left in self.not_projects
        ]
        out.append(f"no technology of ours ({len(self.outside_taxonomy)}), kept out:")
        out += [
            f"  #{left.record.id} {left.reason}: {left.record.title}"
            for left in self.outside_taxonomy
        ]
        out.append(f"lender not named in the title ({len(self.unnamed_lenders)}):")
        out += [f"  #{record.id}: {record.title}" for record in self.unnamed_lenders]
        return out


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{key} {n}" for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def import_aiddata(engine: Engine, path: Path, mapping_path: Path | None = None) -> ImportReport:
    """Validate `path` (and the mapping file beside it) and apply it in one transaction;
    LoadError lists every problem, and then nothing is written."""
    records, problems = read_records(path)
    mapping_path = mapping_path or path.parent / MAPPING_FILE
    mapping, mapping_problems = read_mapping(mapping_path)
    problems += mapping_problems
    if problems:
        raise LoadError(problems)
    with engine.connect() as conn, conn.begin():
        _lock(conn)
        curated = set(conn.execute(select(P.c.slug).where(P.c.origin.is_(None))).scalars())
        plan = plan_import(records, mapping, reserved=frozenset(curated))
        problems = _plan_problems(plan, records, mapping, curated, mapping_path)
        if problems:
            raise LoadError(problems)
        report = _apply(conn, plan, records)
    return report


def _lock(conn: Connection) -> None:
    """Serialise with loads (the loader takes the same PostgreSQL advisory lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))
    state = _t(m.DatasetState)
    if conn.execute(select(state.c.id)).first() is None:
        conn.execute(state.insert().values(singleton=1, version=0))
    conn.execute(update(state).values(version=state.c.version))


def _plan_problems(
    plan: Plan,
    records: list[Record],
    mapping: dict[int, str],
    curated: set[str],
    mapping_path: Path,
) -> list[Problem]:
    name = str(mapping_path)
    ids = {r.id for r in records}
    problems = [
        Problem(name, slug, str(record_id), "no such AidData record in the file")
        for record_id, slug in sorted(mapping.items())
        if record_id not in ids
    ]
    problems += [
        Problem(name, slug, "-", "no curated project has this slug (load the seed first)")
        for slug in sorted(set(mapping.values()) - curated)
    ]
    problems += [
        Problem(
            name,
            project.slug,
            "-",
            f"one group of linked records maps to two projects ({project.name})",
        )
        for project in plan.projects
        if project.mapped and project.name.startswith("conflict: ")
    ]
    return problems


# ---------------------------------------------------------------- writing


def _apply(conn: Connection, plan: Plan, records: list[Record]) -> ImportReport:
    new = [p for p in plan.projects if not p.mapped]
    used = [record for project in plan.projects for record in project.records]
    previous = _clear_previous(conn, {p.slug for p in new})
    lenders = _write_organizations(conn, used)
    _write_sources(conn, used)
    _write_projects(conn, new)
    financing = _write_financing(conn, plan.projects, lenders)
    _write_external_ids(conn, plan.projects)
    # Lender names are searchable: every project that gained or lost financing is rewritten.
    refresh_search_text(conn, previous | {p.slug for p in plan.projects})
    _bump_version(conn)
    return _report(plan, records, financing, lenders)


def _clear_previous(conn: Connection, keep: set[str]) -> set[str]:
    """Remove what an earlier import wrote (its projects that stay are rewritten below);
    return the projects that had imported financing."""
    financed = set(
        conn.execute(select(F.c.project_slug).where(F.c.aiddata_id.is_not(None))).scalars()
    )
    conn.execute(delete(F).where(F.c.aiddata_id.is_not(None)))
    conn.execute(delete(X).where(X.c.source_slug == DATASET_SOURCE))
    previous = set(conn.execute(select(P.c.slug).where(P.c.origin == ORIGIN)).scalars())
    ordered = sorted(previous)
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        for child in (PC, PP, PS, _t(m.ClaimCheck), _t(m.Metric), _t(m.StatementProject)):
            conn.execute(delete(child).where(child.c.project_slug.in_(batch)))
        gone = [slug for slug in batch if slug not in keep]
        if gone:
            conn.execute(delete(P).where(P.c.slug.in_(gone)))
    return financed - (previous - keep)


def _write_organizations(conn: Connection, records: list[Record]) -> dict[int, list[str]]:
    """Lenders named by each record; organisations the seed lacks are created (never updated)."""
    existing = set(conn.execute(select(O.c.slug)).scalars())
    named: dict[int, list[str]] = {}
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        lenders = parse.lenders_named(record.title)
        named[record.id] = [lender.slug for lender in lenders]
        for lender in lenders:
            if lender.slug not in existing and lender.slug not in rows:
                rows[lender.slug] = {
                    "slug": lender.slug,
                    "name": lender.name,
                    "local_name": None,
                    "kind": lender.kind.value,
                    "country_iso3": lender.country,
                    "note": "Named as a lender in AidData's GCDF 3.0 records.",
                }
    if rows:
        conn.execute(insert(O), list(rows.values()))
    return named


def _write_sources(conn: Connection, records: list[Record]) -> None:
    rows = [
        {
            "slug": DATASET_SOURCE,
            "title": "Global Chinese Development Finance Dataset, Version 3.0 (geolocated release)",
            "publisher": PUBLISHER,
            "author": "Custer, S., Dreher, A., Elston, T.-B., et al.",
            "url": "https://www.aiddata.org/data/aiddatas-global-chinese-development-finance-dataset-version-3-0",
            "published_on": None,
            "date_note": "2023",
            "language": "en",
            "kind": m.SourceKind.dataset.value,
            "note": LICENCE_NOTE,
        }
    ]
    rows += [
        {
            "slug": record.source_slug,
            "title": f"AidData record #{record.id}: {record.title}",
            "publisher": PUBLISHER,
            "author": None,
            "url": record.url,
            "published_on": None,
            "date_note": "GCDF 3.0 (2023)",
            "language": "en",
            "kind": m.SourceKind.dataset.value,
            "note": LICENCE_NOTE,
        }
        for record in records
    ]
    wanted: set[str] = {str(row["slug"]) for row in rows}
    existing = set(conn.execute(select(S.c.slug).where(S.c.slug.in_(sorted(wanted)))).scalars())
    fresh = [row for row in rows if row["slug"] not in existing]
    stale = [row for row in rows if row["slug"] in existing]
    if fresh:
        conn.execute(insert(S), fresh)
    for row in stale:
        conn.execute(update(S).where(S.c.slug == row["slug"]).values(**row))


def _write_projects(conn: Connection, projects: list[PlannedProject]) -> None:
    sector = _t(m.Sector)
    parent: dict[str, str | None] = {
        slug: parent_slug
        for slug, parent_slug in conn.execute(select(sector.c.slug, sector.c.parent_slug))
    }
    existing = set(conn.execute(select(P.c.slug).where(P.c.origin == ORIGIN)).scalars())
    rows = [_project_row(p, parent) for p in projects]
    fresh = [row for row in rows if row["slug"] not in existing]
    if fresh:
        conn.execute(insert(P), fresh)
    for row in rows:
        if row["slug"] in existing:
            conn.execute(update(P).where(P.c.slug == row["slug"]).values(**row))
    countries = [{"project_slug": p.slug, "country_iso3": c} for p in projects for c in p.countries]
    sources = [
        {"project_slug": p.slug, "source_slug": s}
        for p in projects
        for s in sorted({r.source_slug for r in p.records} | {DATASET_SOURCE})
    ]
    parties = {
        (p.slug, lender.slug): {
            "project_slug": p.slug,
            "organization_slug": lender.slug,
            "role": m.PartyRole.financier.value,
            "note": "Lender named in AidData record(s): "
            + ", ".join(f"#{r.id}" for r in p.records if lender.slug in _lender_slugs(r)),
        }
        for p in projects
        for r in p.records
        for lender in parse.lenders_named(r.title)
    }
    for table, batch in ((PC, countries), (PS, sources), (PP, list(parties.values()))):
        if batch:
            conn.execute(insert(table), batch)


def _lender_slugs(record: Record) -> list[str]:
    return [lender.slug for lender in parse.lenders_named(record.title)]


def _project_row(project: PlannedProject, parent: dict[str, str | None]) -> dict[str, Any]:
    ids = ", ".join(f"#{r.id}" for r in project.records)
    capacity_note = (
        f"As stated in the title of AidData record #{project.capacity_record}."
        if project.capacity
        else None
    )
    point, where = project.point, project.point_record
    return {
        "slug": project.slug,
        "name": project.name,
        "local_name": None,
        "kind": m.ProjectKind.bri.value,
        "technology_slug": project.technology,
        "sector_slug": parent.get(project.technology) or project.technology,
        "status": project.status.value if project.status else None,
        "capacity_value": project.capacity[0] if project.capacity else None,
        "capacity_unit": project.capacity[1] if project.capacity else None,
        "capacity_note": capacity_note,
        "opened_on": project.opened_on,
        "construction_started_on": project.started_on,
        "cost_usd": None,
        "cost_note": None,
        "latitude": point[0] if point else None,
        "longitude": point[1] if point else None,
        "location_precision": (p.value if (p := precision_of(project)) else None),
        "location_name": (
            f"Map view of the OpenStreetMap link in AidData record #{where.id}" if where else None
        ),
        "location_source_slug": where.source_slug if where else None,
        "geometry_geojson": None,
        "summary": None,
        "facts_note": (
            f"Imported from AidData's GCDF 3.0 records {ids}. The name, technology and capacity "
            "are read from the records' titles, the status from AidData's status "
            "(Completion: operational, Implementation: under construction, Pipeline: planned), "
            "the opening date from the latest actual completion date AidData gives, by the "
            "importer's published rules (app/aiddata/parse.py). Not curated by hand."
        ),
        "claimed_tco2_per_year": None,
        "origin": ORIGIN,
        "search_text": "",
    }


def _write_financing(
    conn: Connection, projects: list[PlannedProject], lenders: dict[int, list[str]]
) -> int:
    rows = []
    for project in projects:
        for record in project.records:
            named = lenders[record.id]
            names = {lender.slug: lender.name for lender in parse.lenders_named(record.title)}
            rows.append(
                {
                    "slug": record.source_slug,
                    "project_slug": project.slug,
                    "lender_slug": named[0] if named else None,
                    "co_lenders": ", ".join(names[s] for s in named[1:]) or None,
                    "amount_usd_2021": record.amount_usd_2021,
                    "amount_wording": parse.amount_wording(record.title),
                    "instrument": parse.instrument(record.title).value,
                    "committed_on": record.committed_on,
                    "commitment_year": record.commitment_year,
                    "status": record.status,
                    "title": record.title,
                    "aiddata_id": record.id,
                    "source_slug": record.source_slug,
                }
            )
    if rows:
        conn.execute(insert(F), rows)
    return len(rows)


def _write_external_ids(conn: Connection, projects: list[PlannedProject]) -> None:
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for project in projects:
        for record in project.records:
            rows[(project.slug, "aiddata", str(record.id))] = {
                "project_slug": project.slug,
                "system": "aiddata",
                "value": str(record.id),
                "url": record.url,
                "source_slug": DATASET_SOURCE,
            }
            for osm_id in parse.osm_ids(record.osm):
                rows[(project.slug, "osm", osm_id)] = {
                    "project_slug": project.slug,
                    "system": "osm",
                    "value": osm_id,
                    "url": f"https://www.openstreetmap.org/{osm_id}",
                    "source_slug": DATASET_SOURCE,
                }
    existing = {tuple(row) for row in conn.execute(select(X.c.project_slug, X.c.system, X.c.value))}
    fresh = [row for key, row in rows.items() if key not in existing]
    if fresh:
        conn.execute(insert(X), fresh)


def _bump_version(conn: Connection) -> None:
    state = _t(m.DatasetState)
    conn.execute(update(state).values(version=state.c.version + 1, loaded_at=datetime.now(UTC)))


def _report(
    plan: Plan, records: list[Record], financing: int, lenders: dict[int, list[str]]
) -> ImportReport:
    new = [p for p in plan.projects if not p.mapped]
    report = ImportReport(records=len(records), financing=financing, projects_created=len(new))
    report.by_sector = dict(Counter(TECHNOLOGY_SECTOR.get(p.technology, p.technology) for p in new))
    report.by_country = dict(Counter(c for p in new for c in (p.countries or ["regional"])))
    report.projects_mapped = {p.slug: len(p.records) for p in plan.projects if p.mapped}
    report.linked_in = {p.slug: p.linked_in for p in plan.projects if p.mapped and p.linked_in}
    report.not_projects = plan.not_projects
    report.outside_taxonomy = plan.outside_taxonomy
    report.unnamed_lenders = [r for p in plan.projects for r in p.records if not lenders[r.id]]
    return report


TECHNOLOGY_SECTOR = {
    "grid-storage": "energy", "solar-thermal": "energy", "wind": "energy",
    "solar-pv": "energy", "hydro": "energy", "waste-to-energy": "waste",
    "electric-buses": "transport", "high-speed-rail": "transport", "urban-rail": "transport",
    "rail-freight-passenger": "transport",
}  # fmt: skip
