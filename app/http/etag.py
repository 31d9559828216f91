"""Weak ETags and If-None-Match, shared by pages, the API and the downloads."""

import hashlib
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response


def etag_of(body: bytes) -> str:
    """A weak ETag: the same for every content coding of the same body. BLAKE2b: a 130 KB
    catalogue page in ~0.2 ms instead of SHA-256's ~0.55 ms, and every distinct URL pays it
    once (issue 11); 128 bits, as the SHA-256 prefix it replaces."""
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def client_has(request: Request, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison, RFC 9110 8.8.3.2, or `*`)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def not_modified(request: Request, etag: str, headers: Mapping[str, str]) -> Response | None:
    """A 304 carrying `headers` (the ETag among them) when the client already has `etag`;
    None when it has not."""
    if not client_has(request, etag):
        return None
    return Response(status_code=304, headers=headers)
