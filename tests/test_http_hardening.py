"""Findings 7, 8 and 10 of issue 16, over real HTTP (uvicorn with `bri-tracker serve`'s options,
proxy headers trusted from localhost as in production): relative redirects whatever the Host
header says, a Vary that tells every htmx variant apart, gzip;q=0 honoured, HEAD in Allow, and
licences and vendor files that agree with the README."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.server import uvicorn_options
from tests.live import running

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
VENDOR = PROJECT_ROOT / "static" / "vendor"


@pytest.fixture(scope="module")
def server(seeded_url: str) -> Iterator[str]:
    settings = Settings(database_url=seeded_url)
    app = create_app(settings)
    with running(app, **uvicorn_options(settings), proxy_headers=True) as base_url:
        yield base_url
    app.state.engine.dispose()


# ---------------------------------------------------------------- finding 7


@pytest.mark.parametrize("path", ["/projects/", "/methodology/"])
def test_redirects_never_name_the_host_the_client_sent(server: str, path: str) -> None:
    response = httpx.get(
        f"{server}{path}?sector=energy",
        headers={"Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code in (301, 302, 307, 308)
    location = response.headers["location"]
    assert location == f"{path.rstrip('/')}?sector=energy"
    assert "evil.example" not in location


@pytest.mark.parametrize(
    "path", ["/projects/karot-hydropower", "/claims/karot-hydropower/co2-qin-guobin-2022"]
)
def test_a_made_up_host_never_reaches_citations_or_downloads(server: str, path: str) -> None:
    # The first request fills the page cache: a made-up Host must not end up in what other
    # readers are served from it (the citation's URL, the CSV's permalinks).
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    for url in (path, "/claims.csv?verdict=above_range"):
        first = httpx.get(f"{server}{url}", headers=hostile)
        assert first.status_code == 200 and "evil.example" not in first.text, url
        again = httpx.get(f"{server}{url}")
        assert "evil.example" not in again.text and "http://127.0.0.1:8000/" in again.text, url


# ---------------------------------------------------------------- finding 8

HTMX_VARIANTS = {
    "full page": {},
    "fragment": {"HX-Request": "true"},
    "boosted": {"HX-Request": "true", "HX-Boosted": "true"},
    "history restore": {"HX-Request": "true", "HX-History-Restore-Request": "true"},
}


def _vary(response: httpx.Response) -> set[str]:
    return {name.strip().lower() for name in response.headers.get("vary", "").split(",")}


@pytest.mark.parametrize("path", ["/projects?sector=energy", "/projects/karot-hydropower"])
def test_vary_tells_apart_every_variant_with_a_different_body(server: str, path: str) -> None:
    """A shared cache keys a stored answer on the headers Vary names: two requests whose
    answers differ must differ in at least one of those headers, or one is served the other's
    body (a boosted navigation used to be given a fragment: a page without its layout)."""
    answers = {
        name: httpx.get(f"{server}{path}", headers={**headers, "Accept-Encoding": "identity"})
        for name, headers in HTMX_VARIANTS.items()
    }
    for first, a in answers.items():
        for second, b in answers.items():
            if a.content == b.content:
                continue
            named = _vary(a) & _vary(b)
            first_headers = {k.lower(): v for k, v in HTMX_VARIANTS[first].items()}
            second_headers = {k.lower(): v for k, v in HTMX_VARIANTS[second].items()}
            assert any(first_headers.get(h) != second_headers.get(h) for h in named), (
                f"{first} and {second} differ in body but not in any header of Vary {named}"
            )


@pytest.mark.parametrize(
    "path", ["/projects?sector=transport", "/api/v1/projects?per_page=50", "/methodology"]
)
def test_gzip_refused_with_q_zero_is_not_sent(server: str, path: str) -> None:
    refused = httpx.get(f"{server}{path}", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.status_code == 200
    assert "content-encoding" not in refused.headers
    refused.content.decode("utf-8")  # plain text, not gzip bytes
    accepted = httpx.get(f"{server}{path}", headers={"Accept-Encoding": "gzip;q=1.0"})
    assert accepted.headers["content-encoding"] == "gzip"
    assert accepted.content == refused.content  # httpx has decompressed it


# ---------------------------------------------------------------- finding 10


def test_options_and_405_name_head_in_allow(server: str) -> None:
    options = httpx.options(f"{server}/api/v1/projects")
    assert options.status_code == 204
    assert _methods(options.headers["allow"]) >= {"GET", "HEAD", "OPTIONS"}
    not_allowed = httpx.put(f"{server}/api/v1/projects")
    assert not_allowed.status_code == 405
    assert {"GET", "HEAD"} <= _methods(not_allowed.headers["allow"])
    assert httpx.head(f"{server}/api/v1/projects").status_code == 200


def _methods(allow: str) -> set[str]:
    return {method.strip() for method in allow.split(",")}


def test_data_package_licence_is_the_readme_data_licence(server: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io
    import json
    import zipfile

    match = re.search(r"Licence: code (\S+); data (CC BY \d\.\d)", README)
    assert match, "README states the licences"
    package = httpx.get(f"{server}/data/bri-tracker-datapackage.zip")
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
    [licence] = descriptor["licenses"]
    assert licence["name"] == match.group(2).replace(" ", "-")  # CC-BY-4.0 (SPDX)
    assert licence["path"] == "https://creativecommons.org/licenses/by/4.0/"


def test_vendor_readmes_name_only_files_that_exist() -> None:
    """Every versioned asset a vendor README names (`plotly/plotly-bar-4.1.1.min.js`) is there."""
    asset = re.compile(r"`((?:[\w-]+/)?[\w.-]+-\d+\.\d+\.\d+(?:\.min)?\.(?:js|css))`")
    named = 0
    for readme in VENDOR.rglob("README.md"):
        for name in asset.findall(readme.read_text(encoding="utf-8")):
            named += 1
            assert (readme.parent / name).is_file() or (VENDOR / name).is_file(), (readme, name)
    assert named >= 4
