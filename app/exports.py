"""Downloads: CSV of the catalogue, metrics and statements, GeoJSON, and the data package.

The data package holds one CSV per loader table with the loader's column names (see
docs/data-format.md), so `bri-tracker load DIR` re-loads an export with nothing lost. Its
`datapackage.json` is a Frictionless descriptor whose table schemas are derived from the
loader's input models, so the two cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import json
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Protocol, TypeVar, Union, get_args, get_origin

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app import loader
from app import models as m
from app.filtering import PER_PAGE_MAX
from app.metrics.filter import MetricFilter
from app.metrics.model import MetricOut, MetricValues
from app.metrics.queries import list_metrics
from app.projects.catalogue import all_matching_slugs
from app.projects.filter import ProjectFilter
from app.queries.claim_list import ClaimFilter, all_claims
from app.spreadsheet import neutralise
from app.statements.filter import StatementFilter
from app.statements.model import StatementOut
from app.statements.queries import list_statements

PACKAGE_NAME = "green-bri-tracker"
# The data's licence (README.md: code MIT, data CC BY 4.0); quoted statements remain their
# publishers' text under the sources' own terms.
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}

# Loader table -> database table, in the loader's order of application.
TABLES: dict[str, Table] = {
    "sectors": m.Sector.__table__,  # type: ignore[attr-defined]
    "sources": m.Source.__table__,  # type: ignore[attr-defined]
    "organizations": m.Organization.__table__,  # type: ignore[attr-defined]
    "people": m.Person.__table__,  # type: ignore[attr-defined]
    "reference_factors": m.ReferenceFactor.__table__,  # type: ignore[attr-defined]
    "projects": m.Project.__table__,  # type: ignore[attr-defined]
    "project_countries": m.ProjectCountry.__table__,  # type: ignore[attr-defined]
    "project_parties": m.ProjectParty.__table__,  # type: ignore[attr-defined]
    "project_sources": m.ProjectSource.__table__,  # type: ignore[attr-defined]
    "statements": m.Statement.__table__,  # type: ignore[attr-defined]
    "statement_projects": m.StatementProject.__table__,  # type: ignore[attr-defined]
    "statement_sectors": m.StatementSector.__table__,  # type: ignore[attr-defined]
    "metrics": m.Metric.__table__,  # type: ignore[attr-defined]
    "financing": m.Financing.__table__,  # type: ignore[attr-defined]
    "external_ids": m.ExternalId.__table__,  # type: ignore[attr-defined]
}
# Records imported from AidData keep AidData's licence beside ours.
AIDDATA_LICENSE = {
    "name": "ODC-By-1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
    "title": "Open Data Commons Attribution License 1.0: the financing, external_ids and "
    "projects with origin 'aiddata' come from AidData's Global Chinese Development Finance "
    "Dataset, Version 3.0 (Custer et al., 2023, AidData at William & Mary)",
}
TARGET_TABLE = {target: table for target, (table, _t, _c) in loader.KEY_SOURCES.items()}


# ---------------------------------------------------------------- cell formatting


def cell(value: Any) -> str:
    """A value as CSV text: empty for NULL, ISO dates, `true`/`false`, exact floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return neutralise(value)  # no formula reaches a spreadsheet (app/spreadsheet.py)
    return str(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """UTF-8 CSV text with a header row; fields quoted only where needed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()


# ---------------------------------------------------------------- table schemas


def _column_for(table: Table, field: str) -> str:
    """The database column behind a loader field (`project` -> `project_slug`, ...)."""
    for name in (field, f"{field}_slug", f"{field}_iso3"):
        if name in table.c:
            return name
    raise KeyError(f"{table.name} has no column for loader field {field!r}")


def columns(table_name: str) -> list[tuple[str, str]]:
    """(CSV column, database column) pairs of a loader table, in the loader's field order."""
    table = TABLES[table_name]
    model = loader.INPUT_MODELS[table_name]
    return [(field, _column_for(table, field)) for field in model.model_fields]


def _frictionless_type(annotation: Any) -> tuple[str, list[str] | None]:
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "string", [str(e.value) for e in annotation]
    for python_type, name in ((bool, "boolean"), (int, "integer"), (float, "number")):
        if annotation is python_type:
            return name, None
    if annotation is date:
        return "date", None
    return "string", None


def table_schema(table_name: str) -> dict[str, Any]:
    """Frictionless Table Schema of a loader table: types, required fields, keys."""
    model = loader.INPUT_MODELS[table_name]
    fields = []
    for name, info in model.model_fields.items():
        kind, allowed = _frictionless_type(info.annotation)
        field: dict[str, Any] = {"name": name, "type": kind}
        if info.description:
            field["description"] = info.description
        constraints: dict[str, Any] = {}
        if info.is_required():
            constraints["required"] = True
        if allowed:
            constraints["enum"] = allowed
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    key = _primary_key(table_name)
    schema: dict[str, Any] = {"fields": fields, "primaryKey": key, "missingValues": [""]}
    foreign_keys = [
        {"fields": field, "reference": {"resource": TARGET_TABLE[target], "fields": "slug"}}
        for table, field, target in loader.REFERENCES
        if table == table_name and target in TARGET_TABLE
    ]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _primary_key(table_name: str) -> list[str]:
    table = TABLES[table_name]
    by_column = {column: field for field, column in columns(table_name)}
    return [by_column[c.name] for c in table.primary_key.columns]


# ---------------------------------------------------------------- data package


def table_rows(conn: Connection, table_name: str) -> Iterator[list[Any]]:
    """Rows of a loader table from the database, in primary-key order."""
    table = TABLES[table_name]
    cols = [table.c[column] for _field, column in columns(table_name)]
    yield from (list(row) for row in conn.execute(select(*cols).order_by(*table.primary_key)))


def _sources_list(conn: Connection) -> list[dict[str, str]]:
    table = TABLES["sources"]
    rows = conn.execute(
        select(table.c.title, table.c.publisher, table.c.url).order_by(table.c.slug)
    )
    return [
        {"title": f"{title} ({publisher})", **({"path": url} if url else {})}
        for title, publisher, url in rows
    ]


def _imported_licenses(conn: Connection) -> list[dict[str, str]]:
    financing = TABLES["financing"]
    has_aiddata = conn.execute(
        select(financing.c.slug).where(financing.c.aiddata_id.is_not(None)).limit(1)
    ).first()
    return [AIDDATA_LICENSE] if has_aiddata else []


def descriptor(conn: Connection) -> dict[str, Any]:
    """The datapackage.json descriptor for the current database."""
    from app.loader import dataset_version

    return {
        "name": PACKAGE_NAME,
        "title": "Green BRI Tracker dataset",
        "description": "Belt and Road green-infrastructure projects and the emission savings "
        "claimed for them, each figure with its source and basis (claimed, reported, verified, "
        "derived). Load with `bri-tracker load DIR`; format in docs/data-format.md.",
        "version": f"1.0.{dataset_version(conn)}",
        "licenses": [LICENSE, *_imported_licenses(conn)],
        "sources": _sources_list(conn),
        "resources": [
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(name),
            }
            for name in TABLES
        ],
    }


def _fix_references(package: dict[str, Any]) -> None:
    # Resource names use hyphens (Frictionless naming); point foreign keys at those names.
    for resource in package["resources"]:
        for key in resource["schema"].get("foreignKeys", []):
            key["reference"]["resource"] = key["reference"]["resource"].replace("_", "-")


def package_files(conn: Connection) -> dict[str, str]:
    """Every file of the data package: file name -> UTF-8 text."""
    files = {
        f"{name}.csv": write_csv([f for f, _c in columns(name)], table_rows(conn, name))
        for name in TABLES
    }
    package = descriptor(conn)
    _fix_references(package)
    files["datapackage.json"] = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    return files


def export_package(conn: Connection, directory: Path) -> list[Path]:
    """Write the data package into `directory` (created if needed); return the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in package_files(conn).items():
        path = directory / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def package_zip(conn: Connection) -> bytes:
    """The data package as a zip file (files at the top level)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in package_files(conn).items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


# ---------------------------------------------------------------- filtered downloads

PROJECT_COLUMNS = [
    "slug",
    "name",
    "local_name",
    "kind",
    "sector",
    "technology",
    "status",
    "capacity_value",
    "capacity_unit",
    "opened_on",
    "cost_usd",
    "claimed_tco2_per_year",
    "latitude",
    "longitude",
    "location_precision",
    "countries",
]
P = TABLES["projects"]
PC = TABLES["project_countries"]


def _project_rows(session: Session, filters: ProjectFilter) -> list[dict[str, Any]]:
    """Every project matching the filter (all pages), in the filter's sort order."""
    slugs = all_matching_slugs(session, filters=filters)
    conn = session.connection()
    rows: dict[str, dict[str, Any]] = {}
    countries: dict[str, list[str]] = {slug: [] for slug in slugs}
    for start in range(0, len(slugs), 500):
        chunk = slugs[start : start + 500]
        for mapping in conn.execute(select(P).where(P.c.slug.in_(chunk))).mappings():
            rows[mapping["slug"]] = dict(mapping)
        for slug, iso3 in conn.execute(
            select(PC.c.project_slug, PC.c.country_iso3)
            .where(PC.c.project_slug.in_(chunk))
            .order_by(PC.c.country_iso3)
        ):
            countries[slug].append(iso3)
    result = []
    for slug in slugs:
        row = rows[slug]
        row["sector"], row["technology"] = row["sector_slug"], row["technology_slug"]
        row["countries"] = ";".join(countries[slug])
        result.append(row)
    return result


def projects_csv(session: Session, filters: ProjectFilter) -> str:
    """The catalogue for `filters` as CSV (countries joined with ';')."""
    rows = _project_rows(session, filters)
    return write_csv(PROJECT_COLUMNS, ([row[c] for c in PROJECT_COLUMNS] for row in rows))


def projects_geojson(session: Session, filters: ProjectFilter) -> dict[str, Any]:
    """Projects with sourced coordinates as a GeoJSON FeatureCollection (Points)."""
    features = []
    for row in _project_rows(session, filters):
        if row["latitude"] is None or row["longitude"] is None:
            continue
        properties = {c: row[c] for c in PROJECT_COLUMNS if c not in ("latitude", "longitude")}
        properties["countries"] = row["countries"].split(";") if row["countries"] else []
        properties["location_name"] = row["location_name"]
        properties["location_source"] = row["location_source_slug"]
        properties["url"] = f"/projects/{row['slug']}"
        features.append(
            {
                "type": "Feature",
                "id": row["slug"],
                "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
                "properties": {k: _json_value(v) for k, v in properties.items()},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


# The metric's own fields in its model's order (a field added there is downloaded too), with
# its project and source spelled out beside them.
METRIC_COLUMNS = [
    *("slug", "project", "project_name"),
    *(name for name in MetricValues.model_fields if name != "slug"),
    *("statement", "source", "source_title", "source_publisher", "source_url"),
]


def _metric_row(metric: MetricOut) -> list[Any]:
    data = metric.model_dump()
    data.update(
        project=metric.project.slug,
        project_name=metric.project.name,
        source=metric.source.slug,
        source_title=metric.source.title,
        source_publisher=metric.source.publisher,
        source_url=metric.source.url,
    )
    return [data[c] for c in METRIC_COLUMNS]


class _Listed(Protocol):
    """A page of a list query: its items and how many there are in all."""

    @property
    def items(self) -> Sequence[Any]: ...

    @property
    def total(self) -> int: ...


Filter = TypeVar("Filter", MetricFilter, StatementFilter)


def _every_page(
    session: Session, filters: Filter, list_page: Callable[..., _Listed]
) -> Iterator[Any]:
    """Every item a paged list query gives for `filters`, page after page."""
    page = 1
    while True:
        chunk = filters.model_copy(update={"page": page, "per_page": PER_PAGE_MAX})
        result = list_page(session, filters=chunk)
        yield from result.items
        if page * PER_PAGE_MAX >= result.total:
            return
        page += 1


def metrics_csv(session: Session, filters: MetricFilter) -> str:
    """Every metric matching the filter (all pages) with its source, as CSV."""
    metrics = _every_page(session, filters, list_metrics)
    return write_csv(METRIC_COLUMNS, (_metric_row(m) for m in metrics))


STATEMENT_COLUMNS = [
    "slug",
    "said_on",
    "speaker",
    "speaker_name",
    "speaker_role",
    "organization",
    "organization_name",
    "form",
    "text",
    "event",
    "language",
    "projects",
    "sectors",
    "source",
    "source_title",
    "source_publisher",
    "source_url",
]


def _statement_row(s: StatementOut) -> list[Any]:
    return [
        s.slug,
        s.said_on,
        s.speaker.slug if s.speaker else None,
        s.speaker.name if s.speaker else None,
        s.speaker_role,
        s.organization.slug if s.organization else None,
        s.organization.name if s.organization else None,
        s.form,
        s.text,
        s.event,
        s.language,
        ";".join(p.slug for p in s.projects),
        ";".join(x.slug for x in s.sectors),
        s.source.slug,
        s.source.title,
        s.source.publisher,
        s.source.url,
    ]


def statements_csv(session: Session, filters: StatementFilter) -> str:
    """Every statement matching the filter (all pages), newest first, as CSV."""
    statements = _every_page(session, filters, list_statements)
    return write_csv(STATEMENT_COLUMNS, (_statement_row(s) for s in statements))


# ---------------------------------------------------------------- claims

CLAIM_CSV_COLUMNS = [
    "claim_slug",
    "permalink",
    "project_slug",
    "project_name",
    "claimant",
    "stated_on",
    "kind",
    "as_stated",
    "value",
    "value_high",
    "unit",
    "qualifier",
    "period",
    "baseline",
    "canonical_value",
    "canonical_unit",
    "verdict",
    "ratio",
    "expected_low",
    "expected_high",
    "expected_unit",
    "weak_check",
    "why",
    "readings",
    "source_slug",
    "source_title",
    "source_url",
]


def claims_csv(session: Session, filters: ClaimFilter, base_url: str) -> str:
    """Every claim matching the filter as CSV, one row per claim as on the page: the verdict
    columns are those of its least favourable reading, `readings` lists every reading."""
    rows = []
    for c in all_claims(session, filters=filters):
        worst = c.checks[0] if c.checks else None
        readings = "; ".join(f"{k.reading}: {k.verdict_label} ({k.why})" for k in c.checks)
        check: list[Any] = (
            [worst.verdict, worst.ratio, worst.expected_low, worst.expected_high]
            + [worst.expected_unit, worst.weak, worst.why]
            if worst
            else [None] * 7
        )
        rows.append(
            [c.slug, base_url + c.url, c.project_slug, c.project_name, c.claimant, c.stated_on]
            + [c.kind, c.as_stated, c.value, c.value_high, c.unit, c.qualifier, c.period]
            + [c.baseline, c.canonical_value, c.canonical_unit]
            + check
            + [readings, c.source_slug, c.source_title, c.source_url]
        )
    return write_csv(CLAIM_CSV_COLUMNS, rows)
