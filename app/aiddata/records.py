"""Reading and validating AidData GCDF 3.0 rows, and the mapping file of curated projects."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from app.aiddata import parse
from app.countries import country_rows
from app.loader.inputs import SLUG_RE, Problem

COLUMNS = {
    "id": "AidData.Record.ID",
    "title": "Title",
    "status": "Status",
    "sector": "Sector.Name",
    "recipient": "Recipient",
    "iso3": "Recipient.ISO-3",
    "amount": "Amount.(Constant.USD.2021)",
    "precision": "Level.of.precision",
    "osm": "OSM.link",
    "commitment_year": "Commitment.Year",
    "committed_on": "Commitment.Date.(MM/DD/YYYY)",
    "started_on": "Actual.Implementation.Start.Date.(MM/DD/YYYY)",
    "completed_on": "Actual.Completion.Date.(MM/DD/YYYY)",
}
RECORD_URL = "https://china.aiddata.org/projects/{id}"


@dataclass(frozen=True)
class Record:
    """One AidData row: a financing commitment, as published."""

    id: int
    title: str
    status: str
    sector: str
    recipient: str
    iso3: str | None
    amount_usd_2021: float | None
    osm: str
    precision: str
    commitment_year: int | None
    committed_on: date | None
    started_on: date | None
    completed_on: date | None

    @property
    def url(self) -> str:
        return RECORD_URL.format(id=self.id)

    @property
    def source_slug(self) -> str:
        return f"aiddata-{self.id}"


def read_records(path: Path) -> tuple[list[Record], list[Problem]]:
    """Every row of the file, validated; problems name the file, row and column."""
    name = str(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = sorted(set(COLUMNS.values()) - set(reader.fieldnames or []))
            if missing:
                return [], [Problem(name, "header", "-", f"missing columns: {', '.join(missing)}")]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [Problem(name, "-", "-", f"cannot read: {exc}")]
    known_countries = {row["iso3"] for row in country_rows()}
    records: list[Record] = []
    problems: list[Problem] = []
    seen: dict[int, str] = {}
    for index, row in enumerate(rows, start=2):
        where = f"row {index}"
        record, row_problems = _record(row, known_countries)
        problems += [Problem(name, where, column, message) for column, message in row_problems]
        if record is None:
            continue
        if record.id in seen:
            problems.append(
                Problem(
                    name,
                    where,
                    COLUMNS["id"],
                    f"duplicate id {record.id} (first {seen[record.id]})",
                )
            )
            continue
        seen[record.id] = where
        records.append(record)
    return records, problems


def _record(
    row: dict[str, Any], known_countries: set[str]
) -> tuple[Record | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []

    def cell(key: str) -> str:
        return (row.get(COLUMNS[key]) or "").strip()

    def number(key: str, kind: type) -> Any:
        text = cell(key)
        if not text:
            return None
        try:
            value = kind(float(text)) if kind is int else kind(text)
        except ValueError:
            problems.append((COLUMNS[key], f"not a number: {text!r}"))
            return None
        if value < 0:
            problems.append((COLUMNS[key], f"negative: {text!r}"))
        return value

    def day(key: str) -> date | None:
        text = cell(key)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems.append((COLUMNS[key], f"not a date (YYYY-MM-DD): {text!r}"))
            return None

    record_id = number("id", int)
    if record_id is None and not problems:
        problems.append((COLUMNS["id"], "every record needs its AidData id"))
    if not cell("title"):
        problems.append((COLUMNS["title"], "empty title"))
    if cell("status") not in parse.STATUS:
        problems.append(
            (
                COLUMNS["status"],
                f"unknown status {cell('status')!r}; expected one of {sorted(parse.STATUS)}",
            )
        )
    iso3 = cell("iso3").upper() or None
    if iso3 is not None and iso3 not in known_countries:
        problems.append((COLUMNS["iso3"], f"unknown country {iso3!r}"))
    if iso3 is None and "regional" not in cell("recipient").lower():
        problems.append((COLUMNS["iso3"], "no country code for a recipient that is not regional"))
    values = {
        "amount": number("amount", float),
        "year": number("commitment_year", int),
        "committed_on": day("committed_on"),
        "started_on": day("started_on"),
        "completed_on": day("completed_on"),
    }
    if problems or record_id is None:
        return None, problems
    return (
        Record(
            id=record_id,
            title=cell("title"),
            status=cell("status"),
            sector=cell("sector"),
            recipient=cell("recipient"),
            iso3=iso3,
            amount_usd_2021=values["amount"],
            osm=row.get(COLUMNS["osm"]) or "",
            precision=cell("precision"),
            commitment_year=values["year"],
            committed_on=values["committed_on"],
            started_on=values["started_on"],
            completed_on=values["completed_on"],
        ),
        [],
    )


def read_mapping(path: Path) -> tuple[dict[int, str], list[Problem]]:
    """AidData id -> curated project slug, from a YAML mapping of slug -> list of ids."""
    name = str(path)
    if not path.exists():
        return {}, []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return {}, [Problem(name, "-", "-", f"cannot read: {exc}")]
    projects = document.get("projects") if isinstance(document, dict) else None
    if not isinstance(projects, dict):
        return {}, [Problem(name, "-", "projects", "expected a mapping of project slug -> ids")]
    mapping: dict[int, str] = {}
    problems: list[Problem] = []
    for slug, ids in projects.items():
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            problems.append(Problem(name, str(slug), "-", "not a project slug"))
            continue
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            problems.append(Problem(name, slug, "-", "expected a list of AidData ids (integers)"))
            continue
        for record_id in ids:
            if record_id in mapping:
                problems.append(
                    Problem(
                        name, slug, str(record_id), f"id already mapped to {mapping[record_id]!r}"
                    )
                )
            mapping[record_id] = slug
    return mapping, problems
