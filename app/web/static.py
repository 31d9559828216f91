"""Static files under content-hashed URLs, cached for a year, served pre-compressed.

Large vendored text files have `.br` and `.gz` siblings written once at vendor time
(`python -m app.web.static compress static/vendor`, run by scripts/build-plotly-bundle.sh), so a
request costs no compression work and gets Brotli's smaller output. The gzip middleware leaves a
response alone once it carries Content-Encoding, so nothing is compressed twice.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import sys
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Receive, Scope, Send

from app.config import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
# Best first: Brotli is ~20% smaller than gzip on our scripts.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
COMPRESSIBLE = {".js", ".css", ".json", ".svg", ".html"}
MIN_COMPRESS_SIZE = 1024


@lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """`/static/<path>?v=<hash>`: the hash changes with the content, so caching can be forever."""
    file = STATIC_DIR / path
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12] if file.is_file() else "missing"
    return f"/static/{path}?v={digest}"


def accepted_encodings(accept_encoding: str) -> set[str]:
    """Codings the client accepts (q > 0) from an Accept-Encoding header; `*` stands for any."""
    accepted: set[str] = set()
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name and quality > 0:
            accepted.add(name.strip().lower())
    if "*" in accepted:
        accepted |= {coding for coding, _ in ENCODINGS}
    return accepted


def _precompressed(full_path: str, accept_encoding: str) -> tuple[str, str] | None:
    """The best `(coding, sibling path)` the client accepts, if the file has one."""
    accepted = accepted_encodings(accept_encoding)
    for coding, suffix in ENCODINGS:
        if coding in accepted and os.path.isfile(full_path + suffix):
            return coding, full_path + suffix
    return None


def _has_siblings(full_path: str) -> bool:
    return any(os.path.isfile(full_path + suffix) for _, suffix in ENCODINGS)


class ImmutableStaticFiles(StaticFiles):
    """StaticFiles that picks a pre-compressed sibling and marks 200s immutable."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Serve `<file>.br` or `<file>.gz` when the client accepts it, with the original's type."""
        path = os.fspath(full_path)
        headers = Headers(scope=scope)
        choice = _precompressed(path, headers.get("accept-encoding", ""))
        if choice is None:
            response = super().file_response(path, stat_result, scope, status_code)
        else:
            coding, sibling = choice
            media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith(("javascript", "json")):
                media_type += "; charset=utf-8"
            response = FileResponse(
                sibling,
                status_code=status_code,
                stat_result=os.stat(sibling),
                media_type=media_type,
                headers={"Content-Encoding": coding},
            )
            if self.is_not_modified(response.headers, headers):
                response = NotModifiedResponse(response.headers)
        if choice is not None or _has_siblings(path):
            response.headers["Vary"] = "Accept-Encoding"
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", IMMUTABLE.encode()),
                ]
            await send(message)

        await super().__call__(scope, receive, send_cached)  # type: ignore[arg-type]


def mount(app: FastAPI) -> None:
    app.mount("/static", ImmutableStaticFiles(directory=Path(STATIC_DIR)), name="static")


def compress_tree(root: Path) -> list[Path]:
    """Write `.br` and `.gz` siblings of every large text file under `root`; return the originals.

    Deterministic output (gzip mtime 0), so rebuilding leaves CHECKSUMS.sha256 unchanged.
    """
    import brotli  # build-time only (test extra): the server just reads the files it wrote

    done = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            continue
        data = path.read_bytes()
        if len(data) < MIN_COMPRESS_SIZE:
            continue
        Path(f"{path}.br").write_bytes(brotli.compress(data, quality=11))
        Path(f"{path}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        done.append(path)
    return done


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "compress":
        sys.exit("usage: python -m app.web.static compress DIR")
    for original in compress_tree(Path(sys.argv[2])):
        print(f"compressed {original}")
