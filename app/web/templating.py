"""Jinja environment and the one helper that decides full page or htmx fragment."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from app.config import PROJECT_ROOT
from app.http.etag import etag_of, not_modified
from app.http.negotiation import PAGE_VARY, wants_fragment
from app.web import filters
from app.web.claim_markup import GLOBALS as CLAIM_MARKUP
from app.web.facet_panel import facet_list
from app.web.static import static_url

templates = Jinja2Blocks(directory=str(PROJECT_ROOT / "templates"))
# Templates are read once per process: checking each file's mtime on every render cost ~4 % of
# a catalogue page's CPU (issue 11). Restart the server to see an edited template.
templates.env.auto_reload = False
templates.env.globals["static_url"] = static_url
templates.env.globals["facet_list"] = facet_list
templates.env.globals.update(CLAIM_MARKUP)
filters.install(templates.env)  # every template, however it is rendered, has the filters


def compile_templates() -> None:
    """Compile every template now (the server calls this as it starts), not in the first
    request that renders it."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render `template`, or just its `block` for an htmx request; Vary on the htmx headers."""
    fragment = block if block and wants_fragment(request) else None
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, block_name=fragment
    )
    # The compression middleware adds Accept-Encoding to Vary itself.
    response.headers["Vary"] = PAGE_VARY
    return with_etag(request, response) if status_code == 200 else response


def with_etag(request: Request, response: Response, etag: str | None = None) -> Response:
    """Weak ETag of the body; 304 when If-None-Match has it. `no-cache`: always revalidate."""
    etag = etag or etag_of(bytes(response.body))
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": response.headers["Vary"]}
    revalidated = not_modified(request, etag, headers)
    if revalidated is not None:
        return revalidated
    response.headers.update(headers)
    return response
