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
from app.spreadsheet import restore

# Limits on what one file may ask of the loader (documented in docs/data-format.md). The
# largest curated YAML file is under 100 KB; bulk data belongs in CSV, which is streamed.
MAX_YAML_BYTES = 1 << 20
MAX_YAML_DEPTH = 32
# csv's own default: a longer field is reported as a problem rather than raising.
MAX_CSV_FIELD_CHARS = 131_072
MAX_NUL_PROBLEMS_PER_FILE = 20
NUL_MESSAGE = "contains a NUL character (U+0000), which is not allowed in text"

# ---------------------------------------------------------------- reading


class RefusedYaml(yaml.MarkedYAMLError):
    """Valid YAML that a dataset may not use: the problem is listed, nothing is built."""

    def __init__(self, problem: str, mark: yaml.Mark, field: str = "-") -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.field = field


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so validation reports a bad date by field.

    It also refuses what a hand-edited dataset never needs and an attacker would: anchors and
    aliases (a few hundred bytes of nested aliases expand to gigabytes), explicit tags,
    nesting deeper than MAX_YAML_DEPTH, duplicate keys (silently, the last would win) and NUL
    characters (PostgreSQL cannot store them). Each is refused where the parser meets it,
    before anything is constructed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _refused("anchors and aliases (& and *) are not accepted", event)
        if getattr(event, "tag", None) is not None:
            raise _refused(f"explicit tags are not accepted ({event.tag})", event)  # type: ignore[attr-defined]
        if isinstance(event, yaml.ScalarEvent) and "\x00" in event.value:
            raise _refused(NUL_MESSAGE, event)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _refused(f"nested deeper than {MAX_YAML_DEPTH} levels", event)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                name = str(key)[:80]
                raise RefusedYaml(f"duplicate key {name!r}", key_node.start_mark, field=name)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _refused(problem: str, event: yaml.Event) -> RefusedYaml:
    return RefusedYaml(problem, event.start_mark)


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


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path | None]]:
    """Each data file with the folder it was found in (None for a file named directly)."""
    for path in paths:
        if path.is_dir():
            folder = path.resolve()
            for found in sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".csv") and p.is_file()
            ):
                yield found, folder
        else:
            yield path, None


def _outside(path: Path, folder: Path | None) -> bool:
    """A file in a loaded folder that resolves elsewhere (a symbolic link out of it): whoever
    can write the folder must not be able to publish any file the loader can read."""
    return folder is not None and not path.resolve().is_relative_to(folder)


def read_dataset(paths: Iterable[str | Path]) -> RawDataset:
    """Read YAML files into rows per table; CSV files are only checked here and streamed later.

    Bulk CSV tables (a million metrics) are never held in memory whole: `iter_rows` reads them
    row by row while the load validates and writes in chunks. Syntax problems are collected.
    """
    dataset = RawDataset()
    for path, folder in iter_files(Path(p) for p in paths):
        name = str(path)
        if not path.exists():
            dataset.problems.append(Problem(name, "-", "-", "no such file or directory"))
            continue
        if _outside(path, folder):
            message = f"resolves outside the folder {folder} (a symbolic link?); not read"
            dataset.problems.append(Problem(name, "-", "-", message))
            continue
        if is_reference_file(path):  # a published grid-factor dataset, imported by code
            _read_reference(dataset, name, path)
            continue
        if path.suffix == ".csv":
            _read_csv(dataset, name, path)
            continue
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            message = (
                f"{size} bytes; a YAML file may have at most {MAX_YAML_BYTES} "
                "(put bulk data in CSV files)"
            )
            dataset.problems.append(Problem(name, "-", "-", message))
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
    digest, lines, has_nul = hashlib.sha256(), 0, False
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
            has_nul = has_nul or b"\x00" in block
    dataset.files.append({"path": name, "sha256": digest.hexdigest()})
    if has_nul:
        dataset.problems.extend(_nul_problems(name))
    if table not in INPUT_MODELS:
        dataset.problems.append(
            Problem(
                name, "-", "-", f"unknown table {table!r}; expected one of {sorted(INPUT_MODELS)}"
            )
        )
        return
    dataset.csv_files[table].append(name)
    dataset.csv_rows[table] += max(0, lines - 1)


def _nul_problems(name: str) -> list[Problem]:
    """Where a CSV file holds NUL characters, by row and column (only files that have one are
    read for this). SQLite would store them and PostgreSQL refuse them: both are refused."""
    problems = []
    with open(name, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        try:
            for line_no, cells in enumerate(reader, start=2):
                for column, cell in zip(header, cells, strict=False):
                    if "\x00" in cell:
                        problems.append(Problem(name, f"row {line_no}", column, NUL_MESSAGE))
                if len(problems) >= MAX_NUL_PROBLEMS_PER_FILE:
                    break
        except csv.Error:
            pass  # reported with its row when the rows are read
    return problems or [Problem(name, "-", "-", NUL_MESSAGE)]


def iter_rows(dataset: RawDataset, table: str) -> Iterator[RawRow]:
    """Rows of `table`: those read from YAML, then each CSV file's, streamed."""
    yield from dataset.tables.get(table, [])
    for name in dataset.csv_files.get(table, []):
        try:
            # utf-8-sig: spreadsheet programs start a UTF-8 CSV with a byte-order mark.
            with open(name, encoding="utf-8-sig", newline="") as handle:
                yield from _csv_rows(dataset, name, handle)
        except UnicodeDecodeError as exc:
            dataset.problems.append(Problem(name, "-", "-", f"not UTF-8: {exc}"))


def _csv_rows(dataset: RawDataset, name: str, handle: Iterable[str]) -> Iterator[RawRow]:
    """Rows as csv.DictReader gives them (blank lines skipped, short rows padded with None,
    empty cells None), from the plain csv.reader: a bulk load reads a million of them."""
    # The limit is process-wide and other libraries raise it (frictionless does): set ours.
    csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    reader = csv.reader(handle)
    line_no = 1
    try:
        header = next(reader, None)
        if header is None:
            return
        width = len(header)
        for cells in reader:
            if not cells:
                continue
            line_no += 1
            if len(cells) > width:
                problem = Problem(name, f"row {line_no}", "-", "more cells than columns")
                dataset.problems.append(problem)
                continue
            if "'" in "".join(cells):  # rarely: one check per row keeps big loads fast
                cells = [restore(v) for v in cells]  # our own CSV's formula escapes
            data = {k: v or None for k, v in zip(header, cells, strict=False)}
            for k in header[len(cells) :]:
                data[k] = None
            yield RawRow(name, f"row {line_no}", data)
    except csv.Error as exc:
        dataset.problems.append(Problem(name, f"row {line_no + 1}", "-", _csv_error(exc)))


def _csv_error(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a field is longer than {MAX_CSV_FIELD_CHARS} characters; the file is not read"
    return f"unreadable CSV: {exc}"


def _read_yaml(dataset: RawDataset, name: str, content: str) -> None:
    try:
        document = yaml.load(content, Loader=_YamlLoader)  # noqa: S506 (safe loader)
    except RefusedYaml as exc:
        where = f"line {exc.problem_mark.line + 1}" if exc.problem_mark else "-"
        dataset.problems.append(Problem(name, where, exc.field, f"refused: {exc.problem}"))
        return
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
            label = _label(record.get("slug"), f"{key}[{index}]")
            if key == "projects":
                _flatten_project(dataset, name, record)
            elif key == "statements":
                _flatten_statement(dataset, name, label, dict(record))
            else:
                dataset.tables[key].append(RawRow(name, label, record))


def _label(slug: Any, fallback: str) -> str:
    """A record's name in problems: its slug when that is a short string (a problem line never
    prints a value of unchecked type or size), else where it is in the file."""
    return slug if isinstance(slug, str) and len(slug) <= 200 else fallback


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _flatten_project(dataset: RawDataset, name: str, record: dict[str, Any]) -> None:
    data = dict(record)
    slug = _label(data.get("slug"), "-")
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
