"""The one response cache: pages, API answers and downloads, per dataset version.

Every answer changes only when a load bumps the dataset version, so the body a route gives for
a URL (and for its htmx fragment) is served again until then: a repeated URL costs a dictionary
lookup. Text bodies are kept gzipped too (the compression middleware leaves encoded responses
alone), and every entry answers 304 when the client already has its ETag. A bounded LRU per
engine and process; every worker reads the same version, so none serves an answer from before
a load. Streamed answers (no body) are not cached.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from operator import itemgetter
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.responses import Response

from app.filtering import collapse_whitespace
from app.http.etag import etag_of, not_modified
from app.http.negotiation import wants_fragment
from app.queries.cache import MISSING, VersionedCache

F = TypeVar("F", bound=Callable[..., Response])
# Bounded in bytes too (BRI_CACHE_MAX_BYTES); an answer over a sixteenth of that is not kept.
_responses = VersionedCache(max_entries=512)
# Headers a route sets that belong to the answer and are replayed from the cache.
KEPT_HEADERS = ("etag", "cache-control", "vary", "content-disposition")
GZIP_MIN_BYTES = 500  # as the compression middleware: smaller bodies are sent as they are
# Level 1: a 128 KB catalogue page in 1.3 ms instead of 4.4 ms at level 6, for 17 KB on the
# wire instead of 15 KB; every distinct URL pays it once (issue 11). The middleware uses it too.
GZIP_LEVEL = 1
GZIPPED_TYPES = ("text/", "application/json", "application/geo+json")


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str
    headers: tuple[tuple[str, str], ...]

    def response(self, request: Request) -> Response:
        """The answer for `request`: 304 if it has the ETag, gzipped if it takes gzip."""
        headers = dict(self.headers)
        revalidation = {k: v for k, v in headers.items() if k != "content-disposition"}
        revalidated = not_modified(request, self.etag, revalidation)
        if revalidated is not None:
            return revalidated
        body = self.body
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = self.gzipped
            vary = headers.get("vary")
            headers["vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
            headers["content-encoding"] = "gzip"
        return Response(body, media_type=self.media_type, headers=headers)

    @classmethod
    def of(cls, response: Response, body: bytes) -> CachedResponse:
        media_type = response.media_type or response.headers.get("content-type", "")
        compress = len(body) >= GZIP_MIN_BYTES and media_type.startswith(GZIPPED_TYPES)
        kept = [
            (name, value)
            for name, value in response.headers.items()
            if name in KEPT_HEADERS or name.startswith("access-control-")
        ]
        etag = response.headers.get("etag") or etag_of(body)
        if "etag" not in response.headers:
            kept.append(("etag", etag))
        return cls(
            body=body,
            gzipped=gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if compress else None,
            etag=etag,
            media_type=media_type,
            headers=tuple(kept),
        )


def cached_response(route: F) -> F:
    """Serve a 200 answer from the cache while the URL and the dataset version match.

    The route takes `request` and `session` first; its other arguments (filters, records found
    by a dependency) follow from the URL, which is the key."""

    @wraps(route)
    def wrapper(request: Request, session: Session, *args: Any, **kwargs: Any) -> Response:
        key = (request.url.path, normalised_query(request), wants_fragment(request))
        hit = _responses.get(session, key)
        if hit is not MISSING:
            return hit.response(request)  # type: ignore[no-any-return]
        response = route(request, session, *args, **kwargs)
        body = getattr(response, "body", None)
        if response.status_code != 200 or not isinstance(body, bytes | memoryview):
            return response
        entry = CachedResponse.of(response, bytes(body))
        _responses.put(session, key, entry)
        # Answer from the entry too: the middleware would gzip the same body a second time,
        # and the first response would differ in bytes from every later one.
        return entry.response(request)

    return wrapper  # type: ignore[return-value]


def normalised_query(request: Request) -> str:
    """The query string as the filters read it, so spellings of one filter share one entry:
    parameters in name order (values of one name keep their order, as the last of a repeated
    single value wins), empty values dropped, `q`'s whitespace collapsed (app/filtering.py)."""
    pairs = [
        (name, collapse_whitespace(value) if name == "q" else value)
        for name, value in request.query_params.multi_items()
    ]
    return urlencode(sorted(((n, v) for n, v in pairs if v), key=itemgetter(0)))


def usage(engine: Engine) -> tuple[int, int]:
    """(entries, bytes) the response cache holds for `engine`."""
    return _responses.usage(engine)


def clear() -> None:
    _responses.clear()
