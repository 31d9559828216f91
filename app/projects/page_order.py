"""SQLite: which projects a catalogue page shows, found in arrays instead of by an index walk.

Every sort's order of the whole catalogue (the rowids in `ORDER BY <sort>, slug`) is read
once per dataset version, by a background thread, so no request waits for it (an index-only
scan: ~0.06 s per sort at 100k projects, ~0.4 s at 1M). A filter is already a mask over facet
profiles (app/projects/facets.py) and every rowid knows its profile (`rowid_profiles`), so a
page is the first matching rowids of its sort's order: a vectorised pass over as much of the
order as it takes to find them, then one read of those 50 rows by rowid. The SQL reads
(app/projects/catalogue.py) serve PostgreSQL, downloads, and SQLite until the orders are read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import literal_column, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from app.models import DatasetState
from app.projects import facets
from app.projects.filter import SortKey
from app.queries.cache import current_version, per_version

log = logging.getLogger(__name__)
_STATE = DatasetState.__table__  # type: ignore[attr-defined]
Ints = facets.Ints
Mask = facets.Mask
Rowids = np.ndarray[Any, np.dtype[np.int32]]  # 4 MB per sort at 1M projects
FIRST_STEP = 256  # rows of the order tested at least, before the step doubles


class _Orders:
    """One dataset version's sort orders, filled in by one background thread."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.ready: dict[SortKey, Rowids] = {}
        self.started = False
        self.lock = threading.Lock()


_orders = per_version(lambda session: _Orders(current_version(session)))


def sort_order(
    session: Session, key: SortKey, order_by: Callable[[SortKey], list[Any]]
) -> Rowids | None:
    """The rowids of every project in `key`'s order (`order_by(key)`, then slug), or None
    while they are being read (the first call of a version starts the reading)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    orders: _Orders = _orders.get(session)
    found = orders.ready.get(key)
    if found is None:
        with orders.lock:
            start, orders.started = not orders.started, True
        if start:
            engine = _engine(session)
            args = (engine, orders, order_by)
            threading.Thread(target=_read_all, args=args, daemon=True).start()
    return found


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _read_all(engine: Engine, orders: _Orders, order_by: Callable[[SortKey], list[Any]]) -> None:
    """Read every sort's order; each is kept only if the dataset version is still the one
    the orders belong to after it was read (each SQLite read is its own snapshot). The
    rowid -> profile map comes first: a page found in an order needs it, so a request that
    finds an order ready never waits for the map (3 s at 1M projects; issue 11)."""
    try:
        with Session(engine) as session:
            facets.rowid_profiles(session)
        with engine.connect() as conn:
            for key in SortKey:
                order = read_order(conn, order_by(key))
                if _version_now(conn) != orders.version:  # a load came in: a new version
                    return
                orders.ready[key] = order
    except Exception as exc:  # the SQL reads go on serving; say why this did not
        log.warning("catalogue sort orders not read: %s", exc)


def _version_now(conn: Connection) -> int:
    return int(conn.execute(select(_STATE.c.version)).scalar() or 0)


def read_order(conn: Connection, order: list[Any]) -> Rowids:
    """Every project's rowid in `order` (an index-only scan: the sort indexes end in slug)."""
    rowid: Any = literal_column("project.rowid")
    statement = select(rowid).select_from(facets.P).order_by(*order)
    return facets.integers(conn, statement, np.int32)


def first_matches(
    order: Rowids, passes: Callable[[Rowids], Mask], wanted: int, share: float
) -> Rowids:
    """The first `wanted` rowids of `order` that pass, testing a stretch of the order at a
    time: as long as `share` (the expected share of matches) says it takes, doubled while
    too short; a filter matching nothing tests the whole order once."""
    step = max(FIRST_STEP, int(wanted / max(share, 1e-9) * 1.25))
    found: list[Rowids] = []
    count = start = 0
    while count < wanted and start < len(order):
        stretch = order[start : start + step]
        hits = stretch[passes(stretch)]
        found.append(hits)
        count += len(hits)
        start += step
        step *= 2
    return np.concatenate(found)[:wanted] if found else np.zeros(0, dtype=np.int32)


def profile_test(session: Session, keep: Mask) -> Callable[[Rowids], Mask]:
    """Whether rowids belong to projects whose profile `keep` keeps (a project without a
    profile maps to -1, which indexes the appended False)."""
    profile_of = facets.rowid_profiles(session)
    keep_or_none = np.append(keep, False)

    def passes(rowids: Rowids) -> Mask:
        return keep_or_none[profile_of[rowids]]  # type: ignore[no-any-return]

    return passes


def among(rowids: Ints, size: int, passes: Callable[[Rowids], Mask]) -> Callable[[Rowids], Mask]:
    """`passes`, and one of `rowids` (a text query's matches); `size`: rowids are below it."""
    chosen = np.zeros(size, dtype=bool)
    chosen[rowids[rowids < size]] = True  # (a load in between may have added rows)

    def both(stretch: Rowids) -> Mask:
        return chosen[stretch] & passes(stretch)

    return both
