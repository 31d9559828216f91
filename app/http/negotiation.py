"""What a request asks for: a whole page or an htmx fragment, JSON or HTML."""

from __future__ import annotations

from starlette.requests import Request

# Paths answered in JSON even when they fail: the API and the downloads.
API_PREFIX = "/api/"
DOWNLOAD_SUFFIXES = (".csv", ".geojson", ".json", ".zip")


# Every request header `wants_fragment` reads: a shared cache must not answer a boosted or
# history-restore request (a full page) with a stored fragment, nor the other way round.
PAGE_VARY = "HX-Request, HX-Boosted, HX-History-Restore-Request"


def wants_fragment(request: Request) -> bool:
    """An htmx request that is neither boosted nor a history restore gets only the block."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def wants_json(request: Request) -> bool:
    """The JSON API and the downloads answer errors in JSON; pages get the HTML error page."""
    path = request.url.path
    return path.startswith(API_PREFIX) or path.endswith(DOWNLOAD_SUFFIXES)
