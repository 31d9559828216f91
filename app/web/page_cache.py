"""Rendered pages cached per dataset version: a repeated URL costs a dictionary lookup.

Pages change only when a load bumps the dataset version, so the body rendered for a URL (and
for its htmx fragment) is served again until then, already gzipped for clients that take it
(the compression middleware leaves encoded responses alone). A bounded LRU per engine and
process; every worker reads the same version, so none serves a page from before a load.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.http.etag import etag_of
from app.queries.cache import MISSING, VersionedCache
from app.web.templating import wants_fragment, with_etag

F = TypeVar("F", bound=Callable[..., Response])
# Pages are at most ~100 KB (~15 KB gzipped): a few tens of MB per worker at most.
_pages = VersionedCache(max_entries=256)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    gzipped: bytes
    etag: str
    media_type: str
    vary: str

    def response(self, request: Request) -> Response:
        headers = {"Vary": self.vary}
        body = self.body
        if "gzip" in request.headers.get("accept-encoding", ""):
            # Encoded responses pass the compression middleware untouched: say Vary here.
            body = self.gzipped
            headers = {"Vary": f"{self.vary}, Accept-Encoding", "Content-Encoding": "gzip"}
        return with_etag(
            request, Response(body, media_type=self.media_type, headers=headers), self.etag
        )


def cached_page(route: F) -> F:
    """Serve a 200 page from the cache when the URL and the dataset version match."""

    @wraps(route)
    def wrapper(request: Request, session: Session, *args: Any, **kwargs: Any) -> Response:
        key = (request.url.path, request.url.query, wants_fragment(request))
        hit = _pages.get(session, key)
        if hit is not MISSING:
            return hit.response(request)  # type: ignore[no-any-return]
        response = route(request, session, *args, **kwargs)
        if response.status_code == 200 and "vary" in response.headers:
            body = bytes(response.body)
            page = CachedPage(
                body=body,
                gzipped=gzip.compress(body, compresslevel=6, mtime=0),
                etag=response.headers.get("etag") or etag_of(body),
                media_type=response.media_type or "text/html",
                vary=response.headers["vary"],
            )
            _pages.put(session, key, page)
            # Answer from the entry too: the middleware would gzip the same body a second
            # time, and the first response would differ in bytes from every later one.
            return page.response(request)
        return response

    return wrapper  # type: ignore[return-value]


def clear() -> None:
    _pages.clear()
