"""The offline API documentation at /docs: Swagger UI from static/vendor/, no CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.static import static_url

router = APIRouter(include_in_schema=False)

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Green BRI Tracker API: documentation</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{css}">
</head>
<body>
<main id="swagger-ui" data-openapi-url="{openapi}"></main>
<noscript><p>The interactive documentation needs JavaScript. The API description is at
<a href="{openapi}">{openapi}</a>.</p></noscript>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI for /openapi.json, served from static/vendor/ (works offline)."""
    openapi = request.app.openapi_url or "/openapi.json"
    page = DOCS_PAGE.format(
        css=static_url("vendor/swagger-ui/swagger-ui.css"),
        bundle=static_url("vendor/swagger-ui/swagger-ui-bundle.js"),
        init=static_url("vendor/swagger-ui/bri-docs.js"),
        openapi=openapi,
    )
    return HTMLResponse(page)
