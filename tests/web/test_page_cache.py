"""Cached pages follow the data: a load bumps the dataset version and the next request sees it."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.loader import load_paths
from app.main import create_app
from tests.helpers import MINI, settings_for


def test_a_load_refreshes_cached_pages_and_fragments(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    shutil.copytree(MINI, first)
    (first / "projects" / "test-wind.yaml").unlink()
    load_paths(engine, [first])
    client = TestClient(create_app(settings_for(db_url)))
    assert client.get("/projects/test-wind").status_code == 404
    fragment = {"HX-Request": "true"}
    for headers in ({}, fragment):
        body = client.get("/projects", headers=headers).text
        assert "Test Hydro" in body and "Test Wind" not in body
        assert client.get("/projects", headers=headers).text == body  # served again
    load_paths(engine, [MINI])
    for headers in ({}, fragment):
        assert "Test Wind" in client.get("/projects", headers=headers).text
    assert client.get("/projects/test-wind").status_code == 200


def test_fragment_and_full_page_are_cached_apart(client: TestClient) -> None:
    full = client.get("/projects?sector=energy")
    fragment = client.get("/projects?sector=energy", headers={"HX-Request": "true"})
    again = client.get("/projects?sector=energy")
    assert "<html" in full.text and "<html" not in fragment.text
    assert again.text == full.text
    assert full.headers["etag"] != fragment.headers["etag"]


def test_first_and_repeat_responses_are_the_same_bytes(client: TestClient) -> None:
    """The response that fills the cache is the cached one: same encoding, length and ETag."""
    path = "/projects?status=operational&sort=name"
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    again = client.get(path, headers={"Accept-Encoding": "gzip"})
    for name in ("content-encoding", "content-length", "etag", "vary", "cache-control"):
        assert first.headers.get(name) == again.headers.get(name), name
    assert first.content == again.content


def test_a_load_refreshes_the_records_a_project_page_names(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    # Sources, organisations and each technology's first projects are kept per dataset
    # version (read once for many pages): a load that changes them shows on the next request.
    first = tmp_path / "first"
    shutil.copytree(MINI, first)
    sources = first / "sources.yaml"
    sources.write_text(sources.read_text().replace("A test source", "An older title"))
    load_paths(engine, [first])
    client = TestClient(create_app(settings_for(db_url)))
    record = client.get("/api/v1/projects/test-hydro").json()
    assert {s["title"] for s in record["sources"]} == {"An older title"}
    assert "An older title" in client.get("/projects/test-hydro").text
    load_paths(engine, [MINI])
    record = client.get("/api/v1/projects/test-hydro").json()
    assert {s["title"] for s in record["sources"]} == {"A test source"}
    assert {m["source"]["title"] for m in record["metrics"]} == {"A test source"}
    assert "An older title" not in client.get("/projects/test-hydro").text
