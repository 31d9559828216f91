"""Application factory: engine on app.state, routers, static files, middleware."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings, get_settings
from app.db import build_engine, check_database
from app.http.cache import GZIP_LEVEL, GZIP_MIN_BYTES
from app.queries.cache import limit_memory
from app.seeding import prepare_database
from app.web.security import (
    AcceptEncodingMiddleware,
    ExportLimitMiddleware,
    HeadAsGetMiddleware,
    SecurityHeadersMiddleware,
)

log = logging.getLogger(__name__)


def _lifespan(threads: int) -> Any:
    """Lifespan: the route handlers' thread pool holds `threads` (anyio's default is 40), and
    the catalogue's summary is read as the server starts (1.7 s at 1M projects), beside it,
    not before it: a start never waits for the database."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        threading.Thread(target=_read_summaries, args=(app.state.engine,), daemon=True).start()
        threading.Thread(target=_settle_process, daemon=True).start()
        yield

    return lifespan


_settled = threading.Lock()  # taken by the first start, never given back


def _settle_process() -> None:
    """Once per process, beside the start: compile every template (the first project page
    compiled nine, ~0.3 s of CPU), then collect and freeze what the process holds by then
    (modules, templates, the app): a full collection scanned those ~190k objects again every
    few hundred requests, ~130 ms each time (~0.4 ms a request). Later objects are collected
    as usual, with full collections rarer (FULL_COLLECTION_EVERY)."""
    if not _settled.acquire(blocking=False):
        return
    from app.web.templating import compile_templates

    compile_templates()
    gc.collect()
    gc.freeze()
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


# A full collection stops every request for as long as it walks what the caches hold (35-160 ms
# at 100k projects). Python considers one every 10 middle collections and runs it once the
# survivors grew by a quarter, which filling caches do all the time: on distinct URLs, 19-22
# pauses over 5 ms, 0.9-1.1 s in all, in 30 s of serving. Every 100: 2 pauses (0.12 s) after
# the start. Not rarer: requests in flight when a young collection runs leave cycles that only
# a full one frees, and at every 1000 the 4-minute soak grew 28-31 % (one 624 ms collection of
# 290k objects at its end); at 100 it grew 5.4 %, at 10 0.4 % (issue 11; docs/performance.md).
FULL_COLLECTION_EVERY = 100


def _read_summaries(engine: Engine) -> None:
    from app.projects.catalogue import page_orders
    from app.projects.facets import facet_index, rowid_profiles

    try:
        with Session(engine) as session:
            facet_index(session)
            if engine.dialect.name == "sqlite":  # what text queries and pages are found with
                rowid_profiles(session)
                page_orders(session)  # read by a thread of their own
    except Exception as exc:  # best effort (e.g. not migrated yet): the first request says why
        log.warning("catalogue summary not read at start: %s", exc.__class__.__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (and so their own database)."""
    settings = settings or get_settings()
    if settings.load_seed_on_start:
        # The database of *these* settings: a test's or a caller's, not the environment's.
        prepare_database(settings)
    app = FastAPI(
        title="Green BRI Tracker API",
        version="1",
        description="Belt and Road green-infrastructure projects and the emission savings "
        "claimed for them, each figure with its source.",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(settings.worker_threads),
    )
    app.state.settings = settings
    app.state.engine = build_engine(settings, create_dir=False)
    limit_memory(app.state.engine, settings.cache_max_bytes)
    check_database(app.state.engine)
    from app.api import claims as claim_api
    from app.api import organizations as organizations_api
    from app.api import routes as api_routes
    from app.downloads import claims as claim_downloads
    from app.downloads import financing as financing_downloads
    from app.downloads import routes as downloads
    from app.http import errors
    from app.web import api_docs, changelog_pages, claim_pages, embed_pages, pages, static
    from app.web import organizations as organizations_web

    static.mount(app)
    app.include_router(api_routes.router)
    app.include_router(claim_api.router)
    app.include_router(organizations_api.router)
    app.include_router(downloads.router)
    app.include_router(claim_downloads.router)
    app.include_router(financing_downloads.router)
    app.include_router(organizations_web.router)
    app.include_router(pages.router)
    app.include_router(claim_pages.router)
    app.include_router(embed_pages.router)
    app.include_router(changelog_pages.router)
    app.include_router(api_docs.router)
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(AcceptEncodingMiddleware)
    app.add_middleware(ExportLimitMiddleware, limit=settings.export_concurrency)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    return app
