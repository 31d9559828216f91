"""Page weight mechanisms over HTTP: pre-compressed static files, immutable caching, the plotly
bundle each page needs, ETags and 304 on pages. Sizes and timings live in bench/page_weight.py."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from fastapi.testclient import TestClient

from app.web.static import COMPRESSIBLE, MIN_COMPRESS_SIZE, STATIC_DIR, accepted_encodings

VENDOR = STATIC_DIR / "vendor"
BAR = "vendor/plotly/plotly-bar-4.1.1.min.js"
GEO = "vendor/plotly/plotly-bar-geo-4.1.1.min.js"
HTMX = "vendor/htmx/htmx-2.0.11.min.js"


def _large_text_files() -> list[Path]:
    return [
        p
        for p in sorted(VENDOR.rglob("*"))
        if p.is_file() and p.suffix in COMPRESSIBLE and p.stat().st_size >= MIN_COMPRESS_SIZE
    ]


def _scripts(html: str) -> list[str]:
    return re.findall(r'<script src="/static/([^"?]+)\?v=', html)


def test_every_large_vendored_text_file_has_siblings_that_decode_to_it() -> None:
    # A stale sibling would serve old code under the new file's hashed URL.
    files = _large_text_files()
    assert {STATIC_DIR / BAR, STATIC_DIR / GEO, STATIC_DIR / HTMX} <= set(files)
    for path in files:
        data = path.read_bytes()
        assert brotli.decompress(Path(f"{path}.br").read_bytes()) == data, path
        assert gzip.decompress(Path(f"{path}.gz").read_bytes()) == data, path


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", {"gzip", "deflate", "br", "zstd"}),
        ("gzip;q=1.0, br;q=0", {"gzip"}),
        ("br;q=0.5", {"br"}),
        ("identity", {"identity"}),
        ("*", {"*", "br", "gzip"}),
        ("", set()),
        ("br;q=nonsense", set()),
    ],
)
def test_accept_encoding_parsing(header: str, expected: set[str]) -> None:
    assert accepted_encodings(header) == expected


@pytest.mark.parametrize(
    ("accept", "coding", "suffix"),
    [("gzip, deflate, br", "br", ".br"), ("gzip", "gzip", ".gz"), ("br;q=0, gzip", "gzip", ".gz")],
)
def test_static_file_is_served_precompressed(
    client: TestClient, accept: str, coding: str, suffix: str
) -> None:
    response = client.get(f"/static/{BAR}?v=1", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == coding
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    sibling = (STATIC_DIR / f"{BAR}{suffix}").read_bytes()
    assert int(response.headers["content-length"]) == len(sibling)
    assert "Accept-Encoding" in response.headers["vary"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    # httpx decodes the body: it must be the script itself, compressed once, not twice.
    assert response.content == (STATIC_DIR / BAR).read_bytes()


def test_static_file_without_accepted_coding_is_sent_as_is(client: TestClient) -> None:
    response = client.get(f"/static/{HTMX}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.content == (STATIC_DIR / HTMX).read_bytes()
    assert "Accept-Encoding" in response.headers["vary"]


def test_precompressed_static_file_revalidates_to_304(client: TestClient) -> None:
    first = client.get(f"/static/{HTMX}", headers={"Accept-Encoding": "br"})
    again = client.get(
        f"/static/{HTMX}",
        headers={"Accept-Encoding": "br", "If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    # The identity representation is a different one: its ETag must differ.
    plain = client.get(f"/static/{HTMX}", headers={"Accept-Encoding": "identity"})
    assert plain.headers["etag"] != first.headers["etag"]


def test_missing_static_file_is_404(client: TestClient) -> None:
    response = client.get("/static/vendor/plotly/nope.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 404


def test_catalogue_loads_the_bar_only_bundle(client: TestClient) -> None:
    scripts = _scripts(client.get("/projects").text)
    assert BAR in scripts and GEO not in scripts


@pytest.mark.parametrize("url", ["/", "/projects/karot-hydropower"])
def test_pages_with_a_map_load_the_geo_bundle(client: TestClient, url: str) -> None:
    html = client.get(url).text
    assert 'data-chart-for="' in html
    scripts = _scripts(html)
    assert GEO in scripts and BAR not in scripts


def test_page_without_charts_loads_no_plotly(client: TestClient) -> None:
    scripts = _scripts(client.get("/statements").text)
    assert HTMX in scripts and not any("plotly" in s for s in scripts)


@pytest.mark.parametrize("url", ["/", "/projects", "/projects?sector=energy"])
def test_page_has_etag_and_answers_304(client: TestClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert "HX-Request" in again.headers["vary"]
    changed = client.get(url, headers={"If-None-Match": 'W/"something-else"'})
    assert changed.status_code == 200 and changed.text == first.text


def test_fragment_and_full_page_have_different_etags(client: TestClient) -> None:
    full = client.get("/projects")
    fragment = client.get("/projects", headers={"HX-Request": "true"})
    assert fragment.headers["etag"] != full.headers["etag"]
    stale = client.get(
        "/projects", headers={"HX-Request": "true", "If-None-Match": full.headers["etag"]}
    )
    assert stale.status_code == 200 and stale.text == fragment.text


def test_error_pages_get_no_etag(client: TestClient) -> None:
    response = client.get("/projects/no-such-project")
    assert response.status_code == 404
    assert "etag" not in response.headers
