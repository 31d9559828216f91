"""Jinja environment and the one helper that decides full page or htmx fragment."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from app.config import PROJECT_ROOT
from app.web.static import static_url

templates = Jinja2Blocks(directory=str(PROJECT_ROOT / "templates"))
templates.env.globals["static_url"] = static_url


def wants_fragment(request: Request) -> bool:
    """An htmx request that is neither boosted nor a history restore gets only the block."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render `template`, or just its `block` for an htmx request; always Vary on HX-Request."""
    fragment = block if block and wants_fragment(request) else None
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, block_name=fragment
    )
    response.headers["Vary"] = "HX-Request, Accept-Encoding"
    return response
