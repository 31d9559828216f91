"""Parsing a big CSV table in a second process while the loading process writes it.

Reading, validating and building a row is pure Python, and so is most of what sqlite3 spends
binding it; in one process they take turns on one core. A parser process does the first part
and streams chunks of checked rows through a pipe, so on two cores the parsing of chunk N+1
overlaps the writing of chunk N (100k projects + 1M metrics: see docs/performance.md).

The parser only does what needs no other row: parsing, model validation, unit and range checks,
and building the database tuple. Keys, references and duplicates stay with the loader, which
alone knows what is in the database and the rest of the load, and which checks every row in
file order, so problems come out in the same order as without the parser.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.loader.inputs import Problem

# A load starts the parser process only when a CSV table has this many rows: below that, the
# child's start (~1.5 s of imports, ~100 MB) costs more than the overlap saves.
MIN_ROWS = 50_000


class ParserFailed(RuntimeError):
    """The parser process raised or died; the load is rolled back."""


class ParserProcess:
    """One child process that parses the load's big CSV tables, one table at a time.

    Started once per load, before the first table, so its imports (~1.5 s) overlap the small
    tables; a plain `python -m` child, not multiprocessing: spawn would re-run the caller's
    main script, and fork would copy a process that holds an open database."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        self.child = subprocess.Popen(
            [sys.executable, "-m", "app.loader.parser_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )

    def checked_rows(
        self,
        table: str,
        files: list[str],
        parent_of: dict[str, str | None],
        syntax_problems: list[Problem],
    ) -> Iterator[Any]:
        """Checked rows of `table`'s CSV `files`, in file order. Syntax problems the parser
        finds (long rows, bad UTF-8) are appended to `syntax_problems` when it is done."""
        from app.loader.writing import VIEW_FIELDS

        view = namedtuple(f"{table}_row", VIEW_FIELDS[table])  # type: ignore[misc]
        stdin, stdout = self.child.stdin, self.child.stdout
        assert stdin is not None and stdout is not None
        try:
            pickle.dump((table, files, parent_of), stdin)
            stdin.flush()
        except BrokenPipeError:
            raise ParserFailed(f"the CSV parser stopped before {table}") from None
        while True:
            try:
                kind, payload = pickle.load(stdout)
            except EOFError:
                raise ParserFailed(f"the CSV parser for {table} stopped unexpectedly") from None
            if kind == "rows":
                for file, record, fields, built, problems in payload:
                    value = None if fields is None else view._make(fields)
                    yield file, record, value, built, problems
            elif kind == "done":
                syntax_problems.extend(payload)
                return
            else:
                raise ParserFailed(f"the CSV parser for {table} failed:\n{payload}")

    def close(self) -> None:
        """Stop the child: at once if it is mid-table (the load failed), else when it reads EOF."""
        for stream in (self.child.stdin, self.child.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        try:
            self.child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
