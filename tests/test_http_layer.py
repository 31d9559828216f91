"""One HTTP layer: one error path answers pages, API and downloads alike (the page or
`{"detail"}`, with the same words), lookups are 404s for both, and one cache serves repeats."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def _page_error(response) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page = BeautifulSoup(response.text, "html.parser")
    return page.h1.get_text(), page.select_one(".error-message").get_text().strip()


@pytest.mark.parametrize(
    ("page", "api", "title"),
    [
        ("/projects/no-such-project", "/api/v1/projects/no-such-project", "Project not found"),
        ("/countries/XYZ", "/api/v1/countries/XYZ", "Country not found"),
        ("/sectors/no-such-sector", "/api/v1/sectors/no-such-sector", "Sector not found"),
    ],
)
def test_a_missing_record_is_the_same_404_on_page_and_api(
    client: TestClient, page: str, api: str, title: str
) -> None:
    html, json = client.get(page), client.get(api)
    assert html.status_code == json.status_code == 404
    heading, message = _page_error(html)
    assert heading == title
    assert json.json() == {"detail": message}
    assert json.headers["access-control-allow-origin"] == "*"


def test_an_unknown_filter_value_has_the_same_words_everywhere(client: TestClient) -> None:
    query = "?sector=sailing"
    html = client.get("/projects" + query)
    answers = [client.get(path + query) for path in ("/api/v1/projects", "/projects.csv")]
    heading, message = _page_error(html)
    assert html.status_code == 422 and heading == "Unknown filter value"
    for answer in answers:
        assert answer.status_code == 422
        assert answer.json() == {"detail": message}


@pytest.mark.parametrize(
    "path",
    ["/projects?sector=energy", "/api/v1/projects?sector=energy", "/api/v1/sectors/energy"]
    + ["/data/bri-tracker-datapackage.zip"],
)
def test_a_repeated_url_is_the_same_answer_and_revalidates(client: TestClient, path: str) -> None:
    first, second = client.get(path), client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
