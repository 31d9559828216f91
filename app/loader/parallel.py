"""A helper process that does a big load's pure-Python work while the loader writes.

Reading, validating and building a row is pure Python, and so is most of what sqlite3 spends
binding it; in one process they take turns on one core. The helper parses and validates big CSV
tables and streams chunks of checked rows through a pipe, so on two cores the parsing of chunk
N+1 overlaps the writing of chunk N. After the tables it checks the claims, chunk by chunk,
while the loader reads the next chunk and writes the previous one's checks.

The helper only does what needs no other row: parsing, model validation, unit and range checks,
building the database tuple, and the claim checks of the rows it is sent. Keys, references and
duplicates stay with the loader, which alone knows what is in the database and the rest of the
load, and which checks every row in file order, so problems come out in the same order as
without the helper (100k projects + 1M metrics: see docs/performance.md).
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
from typing import TYPE_CHECKING, Any

from app.loader.inputs import Problem
from app.loader.keys import VIEW_FIELDS

if TYPE_CHECKING:
    from app.checks import ChunkRows, Factor

# A load starts the helper only when a CSV table has this many rows: below that, the child's
# start (~1.5 s of imports, ~100 MB) costs more than the overlap saves.
MIN_ROWS = 50_000


class HelperFailed(RuntimeError):
    """The helper process raised or died; the load is rolled back."""


class LoadHelper:
    """One child process per big load: parses its big CSV tables, then checks its claims.

    Started before the first table, so its imports (~1.5 s) overlap the small tables; a plain
    `python -m` child, not multiprocessing: spawn would re-run the caller's main script, and
    fork would copy a process that holds an open database. It answers requests in order."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        self.child = subprocess.Popen(
            [sys.executable, "-m", "app.loader.helper_process"],
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
        view = namedtuple(f"{table}_row", VIEW_FIELDS[table])  # type: ignore[misc]
        self._send(("parse", table, files, parent_of), f"parsing {table}")
        while True:
            kind, payload = self._receive(f"parsing {table}")
            if kind == "rows":
                for file, record, fields, built, problems in payload:
                    value = None if fields is None else view._make(fields)
                    yield file, record, value, built, problems
            else:  # "done"
                syntax_problems.extend(payload)
                return

    # The claim checks' side (app.checks.ClaimChecker): one chunk in flight at a time.
    def submit(self, rows: ChunkRows, factors: list[Factor]) -> None:
        self._send(("claims", rows, factors), "checking claims")

    def collect(self) -> list[tuple[Any, ...]]:
        _kind, checked = self._receive("checking claims")
        return checked  # type: ignore[no-any-return]

    def _send(self, request: tuple[Any, ...], doing: str) -> None:
        assert self.child.stdin is not None
        try:
            pickle.dump(request, self.child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.child.stdin.flush()
        except BrokenPipeError:
            raise HelperFailed(f"the load's helper process stopped before {doing}") from None

    def _receive(self, doing: str) -> tuple[str, Any]:
        assert self.child.stdout is not None
        try:
            kind, payload = pickle.load(self.child.stdout)
        except EOFError:
            raise HelperFailed(f"the load's helper process stopped {doing}") from None
        if kind == "failed":
            raise HelperFailed(f"the load's helper process failed {doing}:\n{payload}")
        return kind, payload

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
