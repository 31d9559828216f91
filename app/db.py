"""Engine factory, SQLite pragmas and the session dependency."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.config import Settings

# sqlite3 sends every parameter that is not exactly int, float, str or bytearray through its
# adapter lookup, and a miss (None and bool have no adapter) is the slow path: registered
# adapters bind them at about half the cost (measured: 1M metric rows, 21 s -> 15 s). They
# change no value: None still binds as NULL, and a bool as the 0/1 sqlite3 stores for it.
FAST_ADAPTERS: dict[type, Callable[[Any], Any]] = {type(None): lambda value: value, bool: int}


@contextmanager
def fast_sqlite_binding() -> Iterator[None]:
    """The adapters above for the duration of a bulk write (a load), then the previous ones.

    sqlite3's adapter table is process-wide, so importing this module must not change it: a
    program that imports the app for its models keeps its own sqlite3 behaviour."""
    saved = {kind: sqlite3.adapters.get((kind, sqlite3.PrepareProtocol)) for kind in FAST_ADAPTERS}
    for kind, adapter in FAST_ADAPTERS.items():
        sqlite3.register_adapter(kind, adapter)
    try:
        yield
    finally:
        for kind, previous in saved.items():
            if previous is None:
                sqlite3.adapters.pop((kind, sqlite3.PrepareProtocol), None)
            else:
                sqlite3.register_adapter(kind, previous)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not is_sqlite(url) or not database or database == ":memory:":
        return None
    return Path(database)


# Page cache per SQLite connection (SQLite's default is 2 MB). Card claims at 100k projects are
# random lookups in a 1 GB file: with 2 MB the B-trees' inner pages were evicted and read again
# from the OS, 6.5 ms of CPU per 50 cards; with 8 MB, 2.8 ms (more gave no more).
SQLITE_CACHE_KIB = 8192
# No memory map (PRAGMA mmap_size): it saved ~10 % of the CPU of a distinct page at 100k
# projects, but every page of the file read through it counts in the server's RSS (1 GB after
# the bench's runs at 100k against ~150 MB), which the memory budgets and monitoring read as
# the server's own memory (issue 11, docs/performance.md).


def build_engine(settings: Settings, *, create_dir: bool = True) -> Engine:
    """One engine per app or command; never per request."""
    url = normalise_url(settings.database_url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None and create_dir:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
            **_pool_options(settings),
        )
        _install_sqlite_pragmas(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, **_pool_options(settings))


def _pool_options(settings: Settings) -> dict[str, Any]:
    # Last in, first out: the same few connections serve a steady load, their page caches warm.
    return {
        "pool_use_lifo": True,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        "pool_timeout": settings.db_pool_timeout_s,
    }


def _install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()


# Closes of sessions on a database server: never behind the handler threads (get_session).
_closer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="session-close")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A request's session, opened and closed on the event loop: a sync dependency costs two
    hops to a handler thread (in and out), each waiting for one of the few threads behind the
    requests in line (issue 11). Opening does no I/O. Closing gives the connection back: on
    SQLite a rollback in process; on a server a round trip, done by threads of its own. On
    the handler threads it could deadlock: every handler waiting for a pooled connection, and
    every connection held by a session waiting for a handler thread to close it."""
    engine = request.app.state.engine
    session = Session(engine)
    try:
        yield session
    finally:
        if engine.dialect.name == "sqlite" or not session.in_transaction():
            session.close()
        else:  # shielded: a cancelled request still gives its connection back
            await asyncio.shield(asyncio.wrap_future(_closer.submit(session.close)))


SessionDep = Annotated[Session, Depends(get_session)]


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot serve the app; the message says what to do."""


def check_database(engine: Engine) -> None:
    """Fail fast with a clear message: missing, read-only, corrupt or unmigrated database."""
    import os

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    url = engine.url.render_as_string(hide_password=True)
    path = sqlite_path(str(engine.url))
    if path is not None:
        if not path.exists():
            raise DatabaseUnavailable(
                f"database file {path} does not exist; create it with `bri-tracker db upgrade` "
                "and `bri-tracker load seed`, or start with `make run`"
            )
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise DatabaseUnavailable(
                f"database file {path} (or its directory) is read-only; SQLite in WAL mode "
                "needs write access to both"
            )
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if "no such table" in reason or "does not exist" in reason and "relation" in reason:
            raise DatabaseUnavailable(
                f"database {url} has no schema; run `bri-tracker db upgrade`"
            ) from None
        raise DatabaseUnavailable(f"cannot use database {url}: {reason}") from None
    from app.migrate import head_revision

    if revision != head_revision():
        raise DatabaseUnavailable(
            f"database {url} is at schema revision {revision}, not {head_revision()}; "
            "run `bri-tracker db upgrade`"
        )
