"""Answers of the JSON API and the downloads: CORS, an ETag on every body, 304 when the client
has it. Pages get theirs from app/web/templating.py; errors from app/http/errors.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, TypeAdapter

from app.http.etag import etag_of, not_modified

# Read-only, keyless data: any site may read it from a browser.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Allow": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Accept",
    "Access-Control-Max-Age": "86400",
}
CACHE_CONTROL = "public, max-age=60"


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """`body` with an ETag (its hash); 304 when the client already has it."""
    etag = etag or etag_of(body)
    common = {**CORS_HEADERS, "ETag": etag, "Cache-Control": CACHE_CONTROL}
    return not_modified(request, etag, common) or Response(
        body, media_type=media_type, headers={**common, **(headers or {})}
    )


_any_list = TypeAdapter(list[Any])


def json_response(request: Request, model: BaseModel | list[Any]) -> Response:
    """Serialise a response model (or a list of them) with an ETag."""
    if isinstance(model, BaseModel):
        body = model.model_dump_json().encode()
    else:
        body = _any_list.dump_json(model)
    return conditional(request, body, "application/json")
