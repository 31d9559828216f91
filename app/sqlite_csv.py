"""CSV rows written by SQLite: a million-row download with no Python work per cell.

`app/exports.py:cell()` and `csv.writer` format one value at a time; for `/metrics.csv` at 1M
rows that was most of the server's time (per 100k rows ~0.35 s in cell(), ~0.4 s in the
writer and ~0.43 s building the driver's row tuples, against ~0.37 s for the whole of
`sqlite3 -csv`; docs/performance.md). Here SQLite writes the same cells: each run of
non-REAL columns comes back as one CSV fragment from printf() (NULL empty, `true`/`false`,
the formula guard of app/spreadsheet.py, csv.writer's quoting), so the driver builds a few
objects per row instead of one per cell, and a row is one `%` format in C. REAL columns come
back as numbers (integer-valued ones as INTEGER), because `%s` of a float is Python's
shortest repr while SQLite's own float text has 15 significant digits.
tests/test_spreadsheet_cells.py checks the bytes equal cell() + csv.writer on hostile and
edge values, tests/api/test_streaming_exports.py on the downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    or_,
)
from sqlalchemy import literal as sql_literal
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement, Label
from sqlalchemy.types import TypeDecorator

from app.spreadsheet import APOSTROPHE, FORMULA_STARTS, neutralise

LINE_END = "\n"  # every CSV the tracker writes ends its lines so (csv.writer's lineterminator)
FETCH_ROWS = 5000  # rows per fetch and per chunk sent: ~1.4 MB of metrics CSV


def writer(buffer: io.StringIO) -> Any:
    """The one CSV dialect of the tracker's downloads."""
    return csv.writer(buffer, lineterminator=LINE_END)


def _quoting_characters() -> str:
    """The characters for which our csv.writer quotes a field, asked of the writer itself
    (the rule changed between Python versions for a `\\r` with a `\\n` line end)."""
    found = ""
    for char in ',"\r\n':
        buffer = io.StringIO()
        writer(buffer).writerow([f"a{char}b", "c"])
        if buffer.getvalue().startswith('"'):
            found += char
    return found


QUOTING = _quoting_characters()


def _text(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A text cell: the formula guard of app/spreadsheet.neutralise, then csv.writer's
    quoting. Cheap GLOBs first (a first-character class, and one scan per quoting character:
    GLOB '*c*' is a byte loop), so the full expression runs only for the rare cell that may
    need it; the guard's apostrophe never needs quoting, so the raw text is tested."""
    first = func.substr(func.ltrim(column, APOSTROPHE), 1, 1)
    guarded = case((first.in_(sorted(FORMULA_STARTS)), sql_literal(APOSTROPHE).op("||")(column)),
                   else_=column)  # fmt: skip
    quoted = sql_literal('"').op("||")(func.replace(guarded, '"', '""')).op("||")('"')
    contains = [column.op("GLOB")(f"*{char}*") for char in QUOTING]
    exact = case((or_(*contains), quoted), else_=guarded)
    may_start_formula = column.op("GLOB")(f"[{_glob_class(FORMULA_STARTS | {APOSTROPHE})}]*")
    return case((or_(may_start_formula, *contains), exact), else_=column)


def _glob_class(characters: frozenset[str]) -> str:
    """The characters as the body of a GLOB `[...]` class (`-` last, so it is literal)."""
    return "".join(sorted(characters - {"-"})) + ("-" if "-" in characters else "")


def _inert(text: str) -> bool:
    """Text that CSV writes as it is: no formula guard, no quotes."""
    return neutralise(text) == text and not any(char in text for char in QUOTING)


def _stored_type(column: ColumnElement[Any]) -> Any:
    """The column's database type (a TypeDecorator's stored form: what SQLite holds)."""
    return column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type


def _fragment(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A non-REAL cell as its CSV text, as cell() writes it."""
    kind = _stored_type(column)
    if isinstance(kind, Boolean):
        return case((column.is_(None), ""), (column, "true"), else_="false")
    if isinstance(kind, Integer | Date):  # SQLite keeps dates as ISO text: nothing to quote
        return column
    if isinstance(kind, Enum) and all(_inert(value) for value in kind.enums):
        return column  # a value outside the enum fails the paged API's reading as well
    if isinstance(kind, String):
        return _text(column)
    raise TypeError(f"no CSV cell for a column of type {kind!r}")


def _number(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A REAL cell for `%s`: '' for NULL, integer-valued as INTEGER (cell() drops the `.0`)."""
    integral = and_(func.abs(column) < 1e15, column == cast(column, Integer))
    return case((column.is_(None), ""), (integral, cast(column, Integer)), else_=column)


def _segments(statement: Select[Any]) -> list[ColumnElement[Any]]:
    """The row as few result columns as its REAL columns allow: runs of other columns joined
    into one fragment, each REAL column alone."""
    segments: list[ColumnElement[Any]] = []
    run: list[ColumnElement[str]] = []
    for selected in statement.selected_columns:
        column = selected.element if isinstance(selected, Label) else selected
        if isinstance(_stored_type(column), Float):
            segments += [_joined(run)] if run else []
            segments.append(_number(column))
            run = []
        else:
            run.append(_fragment(column))
    return segments + ([_joined(run)] if run else [])


def _joined(fragments: list[ColumnElement[str]]) -> ColumnElement[str]:
    """The fragments as one CSV run in one pass: printf writes NULL as '' for `%s`, where a
    chain of `||` would copy the growing line once per cell."""
    return func.printf(",".join(["%s"] * len(fragments)), *fragments)


def csv_chunks(conn: Connection, header: list[str], statement: Select[Any]) -> Iterator[str]:
    """`statement`'s rows as CSV text chunks of FETCH_ROWS rows, header first: the same
    bytes as exports.csv_chunks(header, rows) gives, for SQLite only."""
    segments = _segments(statement)
    line = ",".join(["%s"] * len(segments)) + LINE_END
    buffer = io.StringIO()
    writer(buffer).writerow(header)
    yield buffer.getvalue()
    result = conn.execute(statement.with_only_columns(*segments, maintain_column_froms=True))
    cursor = result.cursor  # the driver's rows: no SQLAlchemy row objects or result types
    try:
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield "".join([line % row for row in rows])
    finally:
        result.close()
