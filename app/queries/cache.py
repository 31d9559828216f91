"""Per-process caches keyed on the dataset version, which every load bumps.

Reading the version is one primary-key lookup per request; when it changes (a load committed,
in this process or another), that engine's cached values are dropped. Several workers each keep
their own cache and all see the same version, so they never serve stale counts. Each engine
has its own store (held weakly), so two databases in one process never share entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlmodel import Session

from app.models import DatasetState
from app.sizing import approximate_bytes

F = TypeVar("F", bound=Callable[..., Any])
Ignored = tuple[str, ...]
_STATE = DatasetState.__table__  # type: ignore[attr-defined]
MISSING = object()


def dataset_state(session: Session) -> tuple[int, datetime | None]:
    """The dataset version and when it was loaded, read once per session (so once per request:
    the caches, the charts' and the page's citations all read this one row)."""
    state = session.info.get("dataset_state")
    if state is None:
        # As the driver's SQL: every request not cached reads this row, and a Core select
        # took ~125 us over opening the session, this ~60 (a loop of sessions on the 100k
        # bench file). Not the bare cursor (~30): statement events still see this read.
        connection = session.connection()
        row = connection.exec_driver_sql(_STATE_SQL).first()
        loaded_at = _loaded_at_processor(connection.dialect)
        state = (int(row[0] or 0), loaded_at(row[1]) if loaded_at else row[1]) if row else (0, None)
        session.info["dataset_state"] = state
    return state  # type: ignore[no-any-return]


_STATE_SQL = "SELECT version, loaded_at FROM dataset_state"


@lru_cache(maxsize=4)
def _loaded_at_processor(dialect: Dialect) -> Callable[[Any], Any] | None:
    """How the dialect's driver value of `loaded_at` becomes a datetime (SQLite: text)."""
    loaded_at = _STATE.c.loaded_at.type
    return loaded_at.dialect_impl(dialect).result_processor(dialect, None)  # type: ignore[no-any-return]


def current_version(session: Session) -> int:
    """The dataset version, read once per session (so once per request)."""
    return dataset_state(session)[0]


def _scope(session: Session) -> tuple[Engine, int]:
    """The engine and dataset version a session's cache entries belong to (may do I/O)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind  # a download's own connection
    assert isinstance(engine, Engine)
    return engine, current_version(session)


# Memory per cache, process and database unless create_app sets it (BRI_CACHE_MAX_BYTES).
DEFAULT_MAX_BYTES = 64 << 20
# An answer bigger than this share of a cache is not cached at all: one 100,000-slug list would
# otherwise push out everything else, and an attacker varying the URL could keep doing so.
LARGEST_SHARE = 16
_budgets: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()


def limit_memory(engine: Engine, max_bytes: int) -> None:
    """Every cache's bytes for `engine` (create_app passes its settings' bound)."""
    _budgets[engine] = max_bytes


@dataclass
class _Store:
    """One engine's entries at one dataset version: key -> (value, bytes)."""

    version: int
    entries: OrderedDict[Any, tuple[Any, int]] = field(default_factory=OrderedDict)
    bytes: int = 0


class VersionedCache:
    """An LRU per engine, bounded in entries and in bytes, emptied when that engine's dataset
    version changes. Sizes are measured with `approximate_bytes` outside the lock."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._stores: WeakKeyDictionary[Engine, _Store] = WeakKeyDictionary()

    def _store(self, engine: Engine, version: int) -> _Store:
        """The store of one engine at one version; call with the lock held (no I/O here)."""
        found = self._stores.get(engine)
        if found is None or found.version != version:
            found = _Store(version)
            self._stores[engine] = found
        return found

    def get(self, session: Session, key: Any) -> Any:
        # The version read may check a connection out of the pool: do it before taking the
        # lock. A lock held while waiting for a connection deadlocks against the threads
        # that hold every connection and wait for the lock (issue 11).
        engine, version = _scope(session)
        with self._lock:
            store = self._store(engine, version)
            found = store.entries.get(key)
            if found is None:
                return MISSING
            store.entries.move_to_end(key)
            return found[0]

    def put(self, session: Session, key: Any, value: Any) -> bool:
        """Keep `value` unless it is too big to cache; False when it was not kept."""
        engine, version = _scope(session)
        budget = _budgets.get(engine, DEFAULT_MAX_BYTES)
        largest = budget // LARGEST_SHARE
        size = approximate_bytes((key, value), largest)
        if size > largest:
            return False
        with self._lock:
            store = self._store(engine, version)
            replaced = store.entries.pop(key, None)
            if replaced is not None:
                store.bytes -= replaced[1]
            store.entries[key] = (value, size)
            store.bytes += size
            while len(store.entries) > self.max_entries or store.bytes > budget:
                _key, (_value, evicted) = store.entries.popitem(last=False)
                store.bytes -= evicted
        return True

    def usage(self, engine: Engine) -> tuple[int, int]:
        """(entries, bytes) held for `engine` now."""
        with self._lock:
            store = self._stores.get(engine)
            return (len(store.entries), store.bytes) if store else (0, 0)

    def clear(self) -> None:
        with self._lock:
            self._stores.clear()


_queries = VersionedCache(max_entries=2048)


# Records named by many others (sources, organisations, people: app/queries/lookup.py), apart
# from the query answers, so a dataset with many of them never evicts those.
_records = VersionedCache(max_entries=4096)


def recall(session: Session, key: Any) -> Any:
    """A record kept with `keep` at this dataset version, or MISSING."""
    return _records.get(session, key)


def keep(session: Session, key: Any, value: Any) -> None:
    """Keep a record under `key` until the dataset version changes (or it is evicted)."""
    _records.put(session, key, value)


def cached(name: str, *, ignore: Ignored = ()) -> Callable[[F], F]:
    """Cache `fn(session, *args, **kwargs)` per engine and dataset version.

    The arguments are the key, so they must be hashable: a filter is a frozen model and keys
    the entry itself. `ignore` names filter fields the result does not depend on (a count does
    not depend on the page or the sort), so every page of one filter shares one entry."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
            named = tuple(sorted((k, _without(v, ignore)) for k, v in kwargs.items()))
            key = (name, args, named)
            value = _queries.get(session, key)
            if value is MISSING:
                value = fn(session, *args, **kwargs)
                _queries.put(session, key, value)
            return value

        return wrapper  # type: ignore[return-value]

    return decorate


def _without(value: Any, ignore: Ignored) -> Any:
    """A filter with the `ignore` fields set back to their defaults (other values as they are)."""
    if not ignore or not isinstance(value, BaseModel):
        return value
    fields = type(value).model_fields
    return value.model_copy(update={f: fields[f].default for f in ignore if f in fields})


class PerVersion:
    """One value per database and dataset version, built by one thread at a time and kept
    outside the bounded caches: what every request needs, like the facet summary (11 MB at
    1M projects, more than the bounded caches take in one entry, so it was rebuilt on every
    use; issue 11). Only the current version's value is kept."""

    def __init__(self, build: Callable[[Session], Any]) -> None:
        self._build = build
        self._values: WeakKeyDictionary[Engine, tuple[int, Any]] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, session: Session) -> Any:
        # The version is read (a pooled connection checked out) before the lock is taken, so
        # the builder never waits for a connection that a waiter holds.
        engine, version = _scope(session)
        found = self._values.get(engine)
        if found is not None and found[0] == version:
            return found[1]
        with self._lock:  # a burst of first requests waits for one build
            found = self._values.get(engine)
            if found is None or found[0] != version:
                found = (version, self._build(session))
                self._values[engine] = found
            return found[1]

    def peek(self, session: Session) -> Any:
        """The value of the session's version if it is built, else None (never builds)."""
        engine, version = _scope(session)
        found = self._values.get(engine)
        return found[1] if found is not None and found[0] == version else None

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_per_version: list[PerVersion] = []


def per_version(build: Callable[[Session], Any]) -> PerVersion:
    """A PerVersion of `build`, emptied by `clear()` with the query cache."""
    holder = PerVersion(build)
    _per_version.append(holder)
    return holder


def usage(engine: Engine) -> tuple[int, int]:
    """(entries, bytes) the query cache holds for `engine`."""
    return _queries.usage(engine)


def clear() -> None:
    _queries.clear()
    _records.clear()
    for holder in _per_version:
        holder.clear()
