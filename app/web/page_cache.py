"""Rendered pages cached per dataset version: a repeated URL costs a dictionary lookup.

Pages change only when a load bumps the dataset version, so the body rendered for a URL (and
for its htmx fragment) is served again until then. A bounded LRU per engine and process; every
worker reads the same version, so none serves a page from before a load once it committed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.queries.cache import MISSING, VersionedCache
from app.web.templating import wants_fragment, with_etag

F = TypeVar("F", bound=Callable[..., Response])
# Pages are at most ~100 KB: a few tens of MB per worker at most.
_pages = VersionedCache(max_entries=256)


def cached_page(route: F) -> F:
    """Serve a 200 page from the cache when the URL and the dataset version match."""

    @wraps(route)
    def wrapper(request: Request, session: Session, *args: Any, **kwargs: Any) -> Response:
        key = (request.url.path, request.url.query, wants_fragment(request))
        hit = _pages.get(session, key)
        if hit is not MISSING:
            body, media_type, vary = hit
            return with_etag(request, Response(body, media_type=media_type, headers={"Vary": vary}))
        response = route(request, session, *args, **kwargs)
        if response.status_code == 200 and "vary" in response.headers:
            media_type = response.media_type or "text/html"
            _pages.put(session, key, (bytes(response.body), media_type, response.headers["vary"]))
        return response

    return wrapper  # type: ignore[return-value]


def clear() -> None:
    _pages.clear()
