"""Reading files into rows per table: YAML is flattened, CSV is streamed row by row."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.checks.reference_data import is_reference_file, reference_tables
from app.loader.inputs import CHILD_TABLES, INPUT_MODELS, SLUG_RE, Problem

# ---------------------------------------------------------------- reading


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so validation reports a bad date by field."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class RawRow:
    file: str
    record: str
    data: dict[str, Any]


@dataclass
class RawDataset:
    tables: dict[str, list[RawRow]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)
    # Projects and statements given whole (YAML): their child rows are replaced entirely.
    complete_projects: set[str] = field(default_factory=set)
    complete_statements: set[str] = field(default_factory=set)
    # CSV files per table, streamed by iter_rows, and their row counts (for progress).
    csv_files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    csv_rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def row_count(self) -> int:
        return sum(len(rows) for rows in self.tables.values()) + sum(self.csv_rows.values())


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".csv") and p.is_file()
            )
        else:
            yield path


def read_dataset(paths: Iterable[str | Path]) -> RawDataset:
    """Read YAML files into rows per table; CSV files are only checked here and streamed later.

    Bulk CSV tables (a million metrics) are never held in memory whole: `iter_rows` reads them
    row by row while the load validates and writes in chunks. Syntax problems are collected.
    """
    dataset = RawDataset()
    for path in iter_files(Path(p) for p in paths):
        name = str(path)
        if not path.exists():
            dataset.problems.append(Problem(name, "-", "-", "no such file or directory"))
            continue
        if is_reference_file(path):  # a published grid-factor dataset, imported by code
            _read_reference(dataset, name, path)
            continue
        if path.suffix == ".csv":
            _read_csv(dataset, name, path)
            continue
        raw = path.read_bytes()
        dataset.files.append({"path": name, "sha256": hashlib.sha256(raw).hexdigest()})
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            dataset.problems.append(Problem(name, "-", "-", f"not UTF-8: {exc}"))
            continue
        _read_yaml(dataset, name, content)
    return dataset


def _read_reference(dataset: RawDataset, name: str, path: Path) -> None:
    """The rows app/checks/reference_data.py makes of a grid-factor dataset file."""
    dataset.files.append({"path": name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    try:
        tables = reference_tables(path)
    except (OSError, UnicodeDecodeError, KeyError, csv.Error) as exc:
        dataset.problems.append(Problem(name, "-", "-", f"cannot read the dataset: {exc}"))
        return
    for table, rows in tables.items():
        dataset.tables[table] += [RawRow(name, record, data) for record, data in rows]


def _read_csv(dataset: RawDataset, name: str, path: Path) -> None:
    """Hash and count the file in blocks; its rows are read later by `iter_rows`."""
    table = path.stem
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
    dataset.files.append({"path": name, "sha256": digest.hexdigest()})
    if table not in INPUT_MODELS:
        dataset.problems.append(
            Problem(
                name, "-", "-", f"unknown table {table!r}; expected one of {sorted(INPUT_MODELS)}"
            )
        )
        return
    dataset.csv_files[table].append(name)
    dataset.csv_rows[table] += max(0, lines - 1)


def iter_rows(dataset: RawDataset, table: str) -> Iterator[RawRow]:
    """Rows of `table`: those read from YAML, then each CSV file's, streamed."""
    yield from dataset.tables.get(table, [])
    for name in dataset.csv_files.get(table, []):
        try:
            with open(name, encoding="utf-8", newline="") as handle:
                yield from _csv_rows(dataset, name, handle)
        except UnicodeDecodeError as exc:
            dataset.problems.append(Problem(name, "-", "-", f"not UTF-8: {exc}"))


def _csv_rows(dataset: RawDataset, name: str, handle: Iterable[str]) -> Iterator[RawRow]:
    """Rows as csv.DictReader gives them (blank lines skipped, short rows padded with None,
    empty cells None), from the plain csv.reader: a bulk load reads a million of them."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    width = len(header)
    line_no = 1
    for cells in reader:
        if not cells:
            continue
        line_no += 1
        if len(cells) > width:
            dataset.problems.append(Problem(name, f"row {line_no}", "-", "more cells than columns"))
            continue
        data = {k: v or None for k, v in zip(header, cells, strict=False)}
        for k in header[len(cells) :]:
            data[k] = None
        yield RawRow(name, f"row {line_no}", data)


def _read_yaml(dataset: RawDataset, name: str, content: str) -> None:
    try:
        document = yaml.load(content, Loader=_YamlLoader)  # noqa: S506 (safe loader)
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        dataset.problems.append(Problem(name, where, "-", f"malformed YAML: {exc}"))
        return
    if document is None:
        return
    if not isinstance(document, dict):
        dataset.problems.append(Problem(name, "-", "-", "expected a mapping at the top level"))
        return
    if "slug" in document and "name" in document:
        _flatten_project(dataset, name, document)
        return
    for key, records in document.items():
        if key not in INPUT_MODELS or key in CHILD_TABLES:
            dataset.problems.append(Problem(name, "-", key, f"unknown record type {key!r}"))
            continue
        if not isinstance(records, list):
            dataset.problems.append(Problem(name, "-", key, "expected a list of records"))
            continue
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                dataset.problems.append(Problem(name, f"{key}[{index}]", "-", "expected a mapping"))
                continue
            label = str(record.get("slug", f"{key}[{index}]"))
            if key == "projects":
                _flatten_project(dataset, name, record)
            elif key == "statements":
                _flatten_statement(dataset, name, label, dict(record))
            else:
                dataset.tables[key].append(RawRow(name, label, record))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _flatten_project(dataset: RawDataset, name: str, record: dict[str, Any]) -> None:
    data = dict(record)
    slug = str(data.get("slug"))
    label = slug
    dataset.complete_projects.add(slug)
    capacity = data.pop("capacity", None)
    if isinstance(capacity, dict):
        data["capacity_value"] = capacity.get("value")
        data["capacity_unit"] = capacity.get("unit")
        data["capacity_note"] = capacity.get("note")
    elif capacity is not None:
        dataset.problems.append(Problem(name, label, "capacity", "expected {value, unit, note}"))
    location = data.pop("location", None)
    if isinstance(location, dict):
        data["latitude"] = location.get("latitude")
        data["longitude"] = location.get("longitude")
        data["location_precision"] = location.get("precision")
        data["location_name"] = location.get("name")
        data["location_source"] = location.get("source")
        if location.get("geojson") is not None:
            data["geometry_geojson"] = json.dumps(location["geojson"])
    for country in _as_list(data.pop("countries", None)):
        dataset.tables["project_countries"].append(
            RawRow(name, label, {"project": slug, "country": country})
        )
    for party in _as_list(data.pop("parties", None)):
        row = dict(party) if isinstance(party, dict) else {"organization": party}
        dataset.tables["project_parties"].append(RawRow(name, label, {"project": slug, **row}))
    for source in _as_list(data.pop("sources", None)):
        dataset.tables["project_sources"].append(
            RawRow(name, label, {"project": slug, "source": source})
        )
    for index, metric in enumerate(_as_list(data.pop("metrics", None))):
        if not isinstance(metric, dict):
            dataset.problems.append(Problem(name, label, f"metrics[{index}]", "expected a mapping"))
            continue
        row = dict(metric)
        local_id = row.pop("id", None)
        if not local_id or not SLUG_RE.match(str(local_id)):
            dataset.problems.append(
                Problem(name, label, f"metrics[{index}].id", "every metric needs an id (a slug)")
            )
            continue
        row["slug"] = f"{slug}/{local_id}"
        row["project"] = slug
        dataset.tables["metrics"].append(RawRow(name, f"{label} metric {local_id}", row))
    dataset.tables["projects"].append(RawRow(name, label, data))


def _flatten_statement(dataset: RawDataset, name: str, label: str, data: dict[str, Any]) -> None:
    dataset.complete_statements.add(label)
    for project in _as_list(data.pop("projects", None)):
        dataset.tables["statement_projects"].append(
            RawRow(name, label, {"statement": label, "project": project})
        )
    for sector in _as_list(data.pop("sectors", None)):
        dataset.tables["statement_sectors"].append(
            RawRow(name, label, {"statement": label, "sector": sector})
        )
    dataset.tables["statements"].append(RawRow(name, label, data))
