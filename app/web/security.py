"""Security headers on every response, errors included; what one request may cost."""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.static import accepted_encodings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",  # blob: for the charts' PNG download (Plotly draws via one)
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Chart-only pages under /embed/ may be framed by any site; every other page refuses frames.
EMBED_PREFIX = "/embed/"
EMBED_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors *"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=(), payment=(), usb=()"),
]


EMBED_HEADERS = [
    (b"content-security-policy", EMBED_CONTENT_SECURITY_POLICY.encode()),
    *[
        (k, v)
        for k, v in SECURITY_HEADERS
        if k not in (b"content-security-policy", b"x-frame-options")
    ],
]


class SecurityHeadersMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware) so it adds headers without buffering bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        wanted = EMBED_HEADERS if scope["path"].startswith(EMBED_PREFIX) else SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in wanted if k not in present]
                if b"location" in present:
                    headers = _relative_location(headers, URL(scope=scope).netloc)
                if b"allow" in present:
                    headers = _allow_head(headers)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _relative_location(
    headers: list[tuple[bytes, bytes]], own_host: str
) -> list[tuple[bytes, bytes]]:
    """A redirect to this site names no host: the framework builds absolute URLs from the
    request's Host header, which anyone can set (`Host: evil.example` gave
    `Location: https://evil.example/projects`), and a shared cache would pass that on."""
    fixed = []
    for name, value in headers:
        if name.lower() == b"location":
            parts = urlsplit(value.decode("latin-1"))
            if parts.netloc and parts.netloc == own_host:
                relative = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
                value = relative.encode("latin-1")
        fixed.append((name, value))
    return fixed


class _HeadAnswered(Exception):
    """Raised into the app once a HEAD response's headers are out: the rest is not needed."""


class HeadAsGetMiddleware:
    """Answer HEAD like GET without the body (RFC 9110 9.3.2). FastAPI routes list GET only,
    so link checkers and `curl -I` got 405. Outermost, so the headers are exactly GET's
    (Content-Length and ETag of the same compressed body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                more = message.get("more_body", False)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                if more:
                    # A streamed body (a download): stop producing it, nobody will read it.
                    raise _HeadAnswered
                return
            await send(message)

        try:
            await self.app({**scope, "method": "GET"}, receive, send_without_body)
        except _HeadAnswered:
            pass
        except BaseExceptionGroup as group:  # raised through a task group
            rest = group.subgroup(lambda exc: not isinstance(exc, _HeadAnswered))
            if rest is not None:
                raise rest from None


def _allow_head(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An `Allow` (405s, OPTIONS) that lists GET also lists HEAD: HeadAsGetMiddleware answers
    HEAD wherever GET is answered."""
    fixed = []
    for name, value in headers:
        if name.lower() == b"allow":
            methods = [m.strip() for m in value.decode("latin-1").split(",") if m.strip()]
            if "GET" in methods and "HEAD" not in methods:
                methods.insert(methods.index("GET") + 1, "HEAD")
            value = ", ".join(methods).encode("latin-1")
        fixed.append((name, value))
    return fixed


class AcceptEncodingMiddleware:
    """Rewrites Accept-Encoding to the codings the client accepts with q > 0, so that
    `gzip;q=0` (\"never gzip\") is honoured by every part that only looks for the word."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = Headers(scope=scope).get("accept-encoding")
            if header is not None and ";" in header:
                scope = {**scope, "headers": list(scope["headers"])}
                headers = MutableHeaders(scope=scope)
                headers["accept-encoding"] = ", ".join(sorted(accepted_encodings(header)))
        await self.app(scope, receive, send)


DOWNLOAD_SUFFIXES = (".csv", ".geojson", ".zip")
EXPORTS_BUSY = "Too many downloads are being prepared at once; please retry in a few seconds."


class ExportLimitMiddleware:
    """At most `limit` downloads at once per process, from the first byte to the last of a
    streamed body: one client asking for every export at once cannot take every worker.
    A client that goes away ends its download's work (the stream's next send fails), and
    so frees its place. More get a 503 with Retry-After, as when the pool is exhausted."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.running = 0  # only touched on the event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.endswith(DOWNLOAD_SUFFIXES) or path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self.running >= self.limit:
            await _busy(send)
            return
        self.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1


async def _busy(send: Send) -> None:
    body = json.dumps({"detail": EXPORTS_BUSY}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"5"),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
