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
from functools import wraps
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import DatasetState

F = TypeVar("F", bound=Callable[..., Any])
Ignored = tuple[str, ...]
_STATE = DatasetState.__table__  # type: ignore[attr-defined]
MISSING = object()


def current_version(session: Session) -> int:
    """The dataset version, read once per session (so once per request)."""
    version = session.info.get("dataset_version")
    if version is None:
        version = session.connection().execute(select(_STATE.c.version)).scalar() or 0
        session.info["dataset_version"] = version
    return int(version)


def _scope(session: Session) -> tuple[Engine, int]:
    """The engine and dataset version a session's cache entries belong to (may do I/O)."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return engine, current_version(session)


class VersionedCache:
    """A bounded LRU per engine, emptied when that engine's dataset version changes."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._stores: WeakKeyDictionary[Engine, tuple[int, OrderedDict[Any, Any]]] = (
            WeakKeyDictionary()
        )

    def _store(self, engine: Engine, version: int) -> OrderedDict[Any, Any]:
        """The store of one engine at one version; call with the lock held (no I/O here)."""
        found = self._stores.get(engine)
        if found is None or found[0] != version:
            found = (version, OrderedDict())
            self._stores[engine] = found
        return found[1]

    def get(self, session: Session, key: Any) -> Any:
        # The version read may check a connection out of the pool: do it before taking the
        # lock. A lock held while waiting for a connection deadlocks against the threads
        # that hold every connection and wait for the lock (issue 11).
        engine, version = _scope(session)
        with self._lock:
            store = self._store(engine, version)
            value = store.get(key, MISSING)
            if value is not MISSING:
                store.move_to_end(key)
            return value

    def put(self, session: Session, key: Any, value: Any) -> None:
        engine, version = _scope(session)
        with self._lock:
            store = self._store(engine, version)
            store[key] = value
            while len(store) > self.max_entries:
                store.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._stores.clear()


_queries = VersionedCache(max_entries=2048)


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


def clear() -> None:
    _queries.clear()
