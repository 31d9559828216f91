"""The child side of `app.loader.parallel`: `python -m app.loader.helper_process`.

Reads a request, (table, CSV files, parent_of), pickled on stdin; answers with the table's
checked rows, pickled to stdout CHUNK at a time, then ("done", syntax problems). Then the
next request, until stdin closes. Anything printed goes to stderr, never into the stream.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import traceback
from operator import attrgetter
from typing import Any, BinaryIO

from app.checks import ChunkRows, Factor, checks_of_chunk
from app.loader.inputs import CHUNK
from app.loader.keys import VIEW_FIELDS
from app.loader.reading import RawDataset, iter_rows
from app.loader.writing import checked_rows, table_builder


def _parse(out: BinaryIO, table: str, files: list[str], parent_of: dict[str, str | None]) -> None:
    """Child process: read, validate and build every row; send them CHUNK at a time."""

    def send(kind: str, payload: Any) -> None:
        pickle.dump((kind, payload), out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        dataset = RawDataset()
        dataset.csv_files[table] = files
        fields_of = _getter(VIEW_FIELDS[table])
        batch: list[tuple[Any, ...]] = []
        build = table_builder(table, parent_of)
        for file, record, value, built, problems in checked_rows(
            iter_rows(dataset, table), table, build
        ):
            batch.append(
                (file, record, None if value is None else fields_of(value), built, problems)
            )
            if len(batch) >= CHUNK:
                send("rows", batch)
                batch = []
        send("rows", batch)
        send("done", dataset.problems)
    except BaseException:  # report anything, even KeyboardInterrupt, before exiting
        send("failed", traceback.format_exc())


def _check_claims(out: BinaryIO, rows: ChunkRows, factors: list[Factor]) -> None:
    try:
        answer: tuple[str, Any] = ("checks", checks_of_chunk(rows, factors))
    except BaseException:
        answer = ("failed", traceback.format_exc())
    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
    # Checking makes reference cycles (results that point at each other), unlike parsing:
    # without a collection per chunk the helper grew by ~100 MB over 100k projects.
    gc.collect()


def _getter(fields: tuple[str, ...]) -> Any:
    """Fields of a model as a tuple, also for a single field."""
    get = attrgetter(*fields)
    return get if len(fields) > 1 else lambda value: (get(value),)


def main() -> None:
    gc.disable()  # as in the loader: millions of short-lived objects, no cycles
    gc.freeze()  # the imports (pint's registry) are never garbage: collections skip them
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            request = pickle.load(sys.stdin.buffer)
        except EOFError:
            break
        if request[0] == "parse":
            _parse(out, *request[1:])
        else:
            _check_claims(out, *request[1:])
        out.flush()
    out.close()


if __name__ == "__main__":
    main()
