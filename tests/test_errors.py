"""Errors that fall through to the framework get our page (HTML) or `{"detail"}` (API):
404 unknown paths, 405 wrong methods, 500 unexpected exceptions; always with the security
headers and never a stack trace, SQL or the exception's own text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.main import create_app
from tests.helpers import settings_for

SECRET = "SELECT password FROM users -- secret-detail"


def _explode() -> None:
    raise RuntimeError(SECRET)


@pytest.fixture
def app(engine: Engine, db_url: str) -> FastAPI:
    """The real app on a migrated, empty database, plus two test-only routes that raise."""
    app = create_app(settings_for(db_url))
    app.add_api_route("/test-only/explode", _explode)
    app.add_api_route("/api/v1/test-only/explode", _explode)
    return app


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    # Starlette re-raises after sending the 500 (for the server log); look at the response.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_secure(response) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] and headers["permissions-policy"]
    assert "server" not in headers
    for leak in ("Traceback", "SELECT", "secret-detail", "RuntimeError", 'File "'):
        assert leak not in response.text


def assert_error_page(response, status: int, title: str) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert_secure(response)
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1 is not None and page.h1.get_text() == title
    assert page.select_one("nav[aria-label=Main]") is not None, "our layout, not a bare page"
    message = page.select_one(".error-message")
    assert message is not None and message.get_text().strip()
    return page


def test_unknown_path_is_our_404_page(web: TestClient) -> None:
    page = assert_error_page(web.get("/no/such/page"), 404, "Page not found")
    assert "/no/such/page" in page.select_one(".error-message").get_text()  # type: ignore[union-attr]


def test_unknown_path_text_is_escaped(web: TestClient) -> None:
    response = web.get("/<script>alert(1)</script>")
    assert_error_page(response, 404, "Page not found")
    assert "<script>alert(1)" not in response.text


def test_unknown_static_file_is_our_404_page(web: TestClient) -> None:
    assert_error_page(web.get("/static/no-such-file.css"), 404, "Page not found")


def test_htmx_request_to_unknown_path_gets_the_page_too(web: TestClient) -> None:
    assert_error_page(web.get("/nowhere", headers={"HX-Request": "true"}), 404, "Page not found")


def test_wrong_method_is_our_405_page(web: TestClient) -> None:
    response = web.post("/projects")
    page = assert_error_page(response, 405, "Method not allowed")
    assert "GET" in response.headers["allow"]
    assert "POST is not allowed" in page.select_one(".error-message").get_text()  # type: ignore[union-attr]


def test_unexpected_exception_is_our_500_page(web: TestClient) -> None:
    page = assert_error_page(web.get("/test-only/explode"), 500, "Something went wrong")
    assert "error on our side" in page.select_one(".error-message").get_text()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/no-such-endpoint", 404),
        ("POST", "/api/v1/projects", 405),
        ("DELETE", "/api/v1/projects/any-project", 405),
        ("GET", "/api/v1/test-only/explode", 500),
    ],
)
def test_api_errors_are_json_detail(web: TestClient, method: str, path: str, status: int) -> None:
    response = web.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert_secure(response)
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"]


def test_existing_route_errors_keep_their_messages(web: TestClient) -> None:
    """The handlers do not swallow what routes already say: a named unknown filter value."""
    response = web.get("/projects?sector=no-such-sector")
    assert response.status_code == 422
    assert "no-such-sector" in response.text
    assert web.get("/api/v1/projects?page=0").json()["detail"].startswith("page '0'")
