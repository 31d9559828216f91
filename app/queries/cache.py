"""Per-process caches keyed on the dataset version, which every load bumps.

Reading the version is one primary-key lookup; when it changes (a load committed, in this
process or another), every cached value of that engine is dropped. Several workers each keep
their own cache and all see the same version, so they never serve stale counts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from app.models import DatasetState

F = TypeVar("F", bound=Callable[..., Any])
MAX_ENTRIES = 2048
_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_version_seen: dict[int, int] = {}
_STATE = DatasetState.__table__  # type: ignore[attr-defined]


def current_version(session: Session) -> int:
    """The dataset version, read once per session (so once per request)."""
    version = session.info.get("dataset_version")
    if version is None:
        version = session.connection().execute(select(_STATE.c.version)).scalar() or 0
        session.info["dataset_version"] = version
    return int(version)


def cached(name: str) -> Callable[[F], F]:
    """Cache `fn(session, *args)` per engine and dataset version (args must be hashable)."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapper(session: Session, *args: Any) -> Any:
            engine_id = id(session.get_bind())
            version = current_version(session)
            key = (engine_id, version, name, args)
            with _lock:
                if _version_seen.get(engine_id) != version:
                    _drop_engine(engine_id)
                    _version_seen[engine_id] = version
                if key in _entries:
                    _entries.move_to_end(key)
                    return _entries[key]
            value = fn(session, *args)
            with _lock:
                _entries[key] = value
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
            return value

        return wrapper  # type: ignore[return-value]

    return decorate


def _drop_engine(engine_id: int) -> None:
    for key in [k for k in _entries if k[0] == engine_id]:
        del _entries[key]


def clear() -> None:
    with _lock:
        _entries.clear()
        _version_seen.clear()
