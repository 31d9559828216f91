"""Static files under content-hashed URLs, cached for a year."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from app.config import PROJECT_ROOT

STATIC_DIR = PROJECT_ROOT / "static"


@lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """`/static/<path>?v=<hash>`: the hash changes with the content, so caching can be forever."""
    file = STATIC_DIR / path
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12] if file.is_file() else "missing"
    return f"/static/{path}?v={digest}"


class ImmutableStaticFiles(StaticFiles):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start" and message.get("status") == 200:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", b"public, max-age=31536000, immutable"),
                ]
            await send(message)

        await super().__call__(scope, receive, send_cached)  # type: ignore[arg-type]


def mount(app: FastAPI) -> None:
    app.mount("/static", ImmutableStaticFiles(directory=Path(STATIC_DIR)), name="static")
