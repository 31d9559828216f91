"""Security headers on every response, errors and static files included; no server banner."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT

VENDOR = PROJECT_ROOT / "static" / "vendor"
PATHS = [
    ("/", 200),
    ("/projects", 200),
    ("/projects?sector=no-such-sector", 422),
    ("/projects/no-such-project", 404),
    ("/no/such/page", 404),
    ("/api/v1/projects?page=0", 422),
    ("/api/v1/projects/no-such-project", 404),
    ("/healthz", 200),
    ("/claims", 200),
    ("/claims/karot-hydropower/co2-qin-guobin-2022", 200),
    ("/changes", 200),
]


@pytest.mark.parametrize(("path", "status"), PATHS)
def test_headers_on_every_response(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert response.headers["permissions-policy"]
    assert "server" not in response.headers
    body = response.text
    assert "Traceback" not in body and "SELECT " not in body


def test_unknown_method_is_a_clear_4xx(client: TestClient) -> None:
    response = client.post("/projects")
    assert response.status_code == 405
    assert response.headers["x-content-type-options"] == "nosniff"


def _checksums() -> dict[str, str]:
    lines = (VENDOR / "CHECKSUMS.sha256").read_text().splitlines()
    return {
        name.strip(): digest for digest, name in (line.split(maxsplit=1) for line in lines if line)
    }


def test_vendored_files_match_their_checksums() -> None:
    recorded = _checksums()
    present = {
        str(p.relative_to(VENDOR)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(VENDOR.rglob("*"))
        if p.is_file() and p.name != "CHECKSUMS.sha256"
    }
    assert present == recorded


def test_vendored_assets_name_their_version() -> None:
    for folder in (p for p in VENDOR.iterdir() if p.is_dir()):
        files = [f.name for f in Path(folder).rglob("*")]
        assert any(ch.isdigit() for name in files for ch in name) or "VERSION" in files, folder
        assert any(name.startswith("LICENSE") for name in files), folder


@pytest.mark.parametrize(
    "path", ["/", "/projects?sector=energy", "/api/v1/projects", "/projects/karot-hydropower"]
)
def test_head_answers_like_get_without_a_body(live_server: str, path: str) -> None:
    """Over real HTTP (uvicorn): the same status and headers as GET, and no body."""
    import httpx

    headers = {"Accept-Encoding": "gzip"}
    httpx.get(live_server + path, headers=headers)  # the first GET fills the page cache
    got = httpx.get(live_server + path, headers=headers)
    head = httpx.head(live_server + path, headers=headers)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "content-encoding", "cache-control"):
        assert head.headers.get(name) == got.headers.get(name), name
    assert head.headers["x-content-type-options"] == "nosniff"


def test_head_of_a_missing_page_is_404(client: TestClient) -> None:
    response = client.head("/projects/no-such-project")
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize("path", ["/embed/claims", "/embed/projects/karot-hydropower/claims"])
def test_embed_pages_may_be_framed_with_the_rest_of_the_policy(
    client: TestClient, path: str
) -> None:
    """Chart-only pages under /embed/ may be framed by any site; the CSP is otherwise the same."""
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "frame-ancestors 'none'" not in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    page = client.get("/claims")
    assert page.headers["x-frame-options"] == "DENY"
