"""Downloads: CSV of the catalogue, metrics and statements, GeoJSON, and the data package.

The data package holds one CSV per loader table with the loader's column names (see
docs/data-format.md), so `bri-tracker load DIR` re-loads an export with nothing lost. Its
`datapackage.json` is a Frictionless descriptor whose table schemas are derived from the
loader's input models, so the two cannot drift apart.
"""

from __future__ import annotations

import io
import itertools
import json
import types
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from sqlalchemy import ScalarSelect, Select, String, Table, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app import loader, sqlite_csv
from app import models as m
from app.metrics.filter import MetricFilter
from app.metrics.model import MetricValues
from app.metrics.queries import metric_conditions
from app.projects.catalogue import matching_projects_query
from app.projects.filter import ProjectFilter
from app.queries.claim_list import ClaimFilter, all_claims
from app.spreadsheet import neutralise
from app.statements.filter import StatementFilter
from app.statements.model import StatementOut
from app.statements.queries import STATEMENT_ORDER, statement_conditions, statements_by_slug

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

CSV_CHUNK_ROWS = sqlite_csv.FETCH_ROWS  # rows per chunk a streamed CSV yields


def cell(value: Any) -> str:
    """A value as CSV text: empty for NULL, ISO dates, `true`/`false`, exact floats.

    Every CSV cell the tracker writes (downloads and the data package) goes through here.
    Text, the commonest cell of a million-row download, is tested for first."""
    if type(value) is str:
        return neutralise(value)  # no formula reaches a spreadsheet (app/spreadsheet.py)
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
        return neutralise(str(value))
    return str(value)


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` items (the last may be shorter); itertools.batched is Python 3.12."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """UTF-8 CSV text with a header row, in chunks of CSV_CHUNK_ROWS rows (fields quoted only
    where needed): memory holds one chunk, whatever the number of rows."""
    buffer = io.StringIO()
    writer = sqlite_csv.writer(buffer)
    writer.writerow(header)
    for batch in batched(rows, CSV_CHUNK_ROWS):
        writer.writerows([cell(v) for v in row] for row in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV text (for the data package, whose tables are written to files)."""
    return "".join(csv_chunks(header, rows))


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
#
# Each download is one query in a fixed key order, read as it is written: nothing is paged
# with OFFSET, nothing counted, and memory holds one chunk. `stream_results` makes PostgreSQL
# use a server-side cursor (SQLite's cursor steps through the result anyway). Filters are
# checked when the query is built, so an unknown value is a 422 before any byte is sent.

STREAM = {"stream_results": True, "yield_per": CSV_CHUNK_ROWS}

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
MT = TABLES["metrics"]
SRC = TABLES["sources"]
ST = TABLES["statements"]


def projects_query(session: Session, filters: ProjectFilter) -> Select[Any]:
    """Every project matching the filter, in the filter's sort order (raises on bad values)."""
    return matching_projects_query(session, filters)


def _project_rows(conn: Connection, statement: Select[Any]) -> Iterator[dict[str, Any]]:
    """Rows of `statement` with their countries joined by ';', read chunk by chunk."""
    result = conn.execution_options(**STREAM).execute(statement).mappings()
    for chunk in result.partitions():
        countries: dict[str, list[str]] = {row["slug"]: [] for row in chunk}
        for slug, iso3 in conn.execute(
            select(PC.c.project_slug, PC.c.country_iso3)
            .where(PC.c.project_slug.in_(list(countries)))
            .order_by(PC.c.country_iso3)
        ):
            countries[slug].append(iso3)
        for mapping in chunk:
            row = dict(mapping)
            row["sector"], row["technology"] = row["sector_slug"], row["technology_slug"]
            row["countries"] = ";".join(countries[row["slug"]])
            yield row


def _countries_column() -> ScalarSelect[Any]:
    """A project's countries joined by ';' in code order, as _project_rows joins them: SQLite
    aggregates an ordered subquery in its order (it has no ORDER BY inside group_concat)."""
    ordered = (
        select(PC.c.country_iso3)
        .where(PC.c.project_slug == P.c.slug)
        .order_by(PC.c.country_iso3)
        .correlate(P)
        .subquery()
    )
    return select(func.group_concat(ordered.c.country_iso3, ";", type_=String)).scalar_subquery()


def projects_csv_chunks(conn: Connection, statement: Select[Any]) -> Iterator[str]:
    """The catalogue for a filter as CSV chunks (countries joined with ';')."""
    if sql_writes_cells(conn):  # one query, the cells written by SQLite
        names = {"sector": P.c.sector_slug, "technology": P.c.technology_slug}
        columns = [names[c] if c in names else P.c[c] for c in PROJECT_COLUMNS[:-1]]
        rows = statement.with_only_columns(*columns, _countries_column())
        return query_csv_chunks(conn, PROJECT_COLUMNS, rows)
    projects = _project_rows(conn, statement)
    return csv_chunks(PROJECT_COLUMNS, ([row[c] for c in PROJECT_COLUMNS] for row in projects))


def projects_csv(session: Session, filters: ProjectFilter) -> str:
    """The catalogue for `filters` as one CSV text."""
    return "".join(projects_csv_chunks(session.connection(), projects_query(session, filters)))


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    properties = {c: row[c] for c in PROJECT_COLUMNS if c not in ("latitude", "longitude")}
    properties["countries"] = row["countries"].split(";") if row["countries"] else []
    properties["location_name"] = row["location_name"]
    properties["location_source"] = row["location_source_slug"]
    properties["url"] = f"/projects/{row['slug']}"
    return {
        "type": "Feature",
        "id": row["slug"],
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": {k: _json_value(v) for k, v in properties.items()},
    }


def projects_geojson_chunks(conn: Connection, statement: Select[Any]) -> Iterator[str]:
    """Projects with sourced coordinates as a GeoJSON FeatureCollection of Points, as text
    chunks; the same bytes `json.dumps` gives for the whole collection."""
    located = statement.where(P.c.latitude.is_not(None), P.c.longitude.is_not(None))
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    rows = _project_rows(conn, located)
    for batch in batched(rows, CSV_CHUNK_ROWS):
        text = ", ".join(json.dumps(_feature(row), ensure_ascii=False) for row in batch)
        yield separator + text
        separator = ", "
    yield "]}"


def projects_geojson(session: Session, filters: ProjectFilter) -> dict[str, Any]:
    """The GeoJSON FeatureCollection for `filters` as a dict."""
    chunks = projects_geojson_chunks(session.connection(), projects_query(session, filters))
    collection: dict[str, Any] = json.loads("".join(chunks))
    return collection


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
# The database column behind each CSV column of a metric row.
_METRIC_SELECT = {
    **{c: MT.c[c] for c in METRIC_COLUMNS if c in MT.c},
    "project": MT.c.project_slug,
    "project_name": P.c.name,
    "statement": MT.c.statement_slug,
    "source": MT.c.source_slug,
    "source_title": SRC.c.title,
    "source_publisher": SRC.c.publisher,
    "source_url": SRC.c.url,
}


def metrics_query(session: Session, filters: MetricFilter) -> Select[Any]:
    """Every metric matching the filter with its project name and source, in the API's order
    (project, kind, slug: the (project_slug, kind) index); raises on unknown filter values."""
    conditions = metric_conditions(session, filters)
    return (
        select(*(_METRIC_SELECT[c] for c in METRIC_COLUMNS))
        .select_from(
            MT.join(P, P.c.slug == MT.c.project_slug).join(SRC, SRC.c.slug == MT.c.source_slug)
        )
        .where(*conditions)
        .order_by(MT.c.project_slug, MT.c.kind, MT.c.slug)
    )


def metrics_csv_chunks(conn: Connection, statement: Select[Any]) -> Iterator[str]:
    """Metric rows as CSV chunks."""
    return query_csv_chunks(conn, METRIC_COLUMNS, statement)


def sql_writes_cells(conn: Connection) -> bool:
    """Whether the database writes the CSV cells (SQLite; elsewhere cell() in Python)."""
    return conn.dialect.name == "sqlite"


def query_csv_chunks(conn: Connection, header: list[str], statement: Select[Any]) -> Iterator[str]:
    """The rows of `statement` (one selected column per header) as CSV chunks. SQLite writes
    the cells itself (app/sqlite_csv.py: no Python work per value);
    other databases read through a server-side cursor into cell()."""
    if sql_writes_cells(conn):
        return sqlite_csv.csv_chunks(conn, header, statement)
    return csv_chunks(header, conn.execution_options(**STREAM).execute(statement))


def metrics_csv(session: Session, filters: MetricFilter) -> str:
    """Every metric matching the filter with its source, as one CSV text."""
    return "".join(metrics_csv_chunks(session.connection(), metrics_query(session, filters)))


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


def statements_query(session: Session, filters: StatementFilter) -> Select[Any]:
    """Slugs of every statement matching the filter, newest first (undated last)."""
    conditions = statement_conditions(session, filters)
    return select(ST.c.slug).where(*conditions).order_by(*STATEMENT_ORDER)


def statements_csv_chunks(conn: Connection, statement: Select[Any]) -> Iterator[str]:
    """Statements as CSV chunks; each chunk's speakers, projects and sources in a few queries."""
    session = Session(bind=conn)
    result = conn.execution_options(**STREAM).execute(statement).scalars()

    def rows() -> Iterator[list[Any]]:
        for chunk in result.partitions():
            yield from (_statement_row(s) for s in statements_by_slug(session, list(chunk)))

    return csv_chunks(STATEMENT_COLUMNS, rows())


def statements_csv(session: Session, filters: StatementFilter) -> str:
    """Every statement matching the filter, newest first, as one CSV text."""
    return "".join(statements_csv_chunks(session.connection(), statements_query(session, filters)))


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
