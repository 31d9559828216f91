"""Generated bad requests on the HTML routes and the downloads: never a 5xx, and every 4xx says
why (the error page's message for HTML, `{"detail"}` for downloads).

The API has its schema-driven run (tests/api/test_schema_run.py); pages have no schema, so the
query strings here are generated from the parameters the routes know plus anything else:
wrong types, huge and negative numbers, 10,000-character strings, repeated and unknown
parameters, NUL and other control characters, and unicode.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.filtering import PAGE_MAX, PER_PAGE_MAX, Q_MAX_LENGTH

KNOWN = [
    "sector", "country", "region", "status", "kind", "verdict", "q", "sort", "page", "per_page",
    "organization", "project",
]  # fmt: skip
LISTS = ["/projects", "/statements"]
DOWNLOADS = ["/projects.csv", "/projects.geojson", "/statements.csv", "/metrics.csv"]
RECORDS = ["/projects/{}", "/countries/{}", "/sectors/{}"]
EXAMPLES = 40

texts = st.text(st.characters(codec="utf-8"), max_size=40)  # includes NUL and controls
values = st.one_of(
    texts,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "true", "[]", "{}", "%00", "\x00", "PAK"]),
    st.sampled_from(["karot-hydropower", "energy", "-claimed", "operational", "bri"]),
    st.just("x" * 10_000),
)
keys = st.one_of(st.sampled_from(KNOWN), texts.filter(bool))
query_strings = st.lists(st.tuples(keys, values), max_size=6).map(urlencode)
settings_common = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_clear(response, *, html: bool) -> None:  # type: ignore[no-untyped-def]
    """No 5xx; a 4xx carries a sentence saying what was wrong."""
    assert response.status_code < 500, (response.request.url, response.text[:300])
    if response.status_code < 400:
        return
    if html:
        message = BeautifulSoup(response.text, "html.parser").select_one(".error-message")
        assert message is not None and message.get_text().strip(), response.text[:300]
    else:
        detail = json.loads(response.text)["detail"]
        assert isinstance(detail, str) and detail.strip()


@pytest.mark.parametrize("path", LISTS)
@settings_common
@given(query=query_strings)
def test_list_pages_answer_any_query(client: TestClient, path: str, query: str) -> None:
    assert_clear(client.get(f"{path}?{query}"), html=True)


@pytest.mark.parametrize("path", LISTS)
@settings_common
@given(query=query_strings)
def test_htmx_fragments_answer_any_query(client: TestClient, path: str, query: str) -> None:
    assert_clear(client.get(f"{path}?{query}", headers={"HX-Request": "true"}), html=True)


@pytest.mark.parametrize("path", DOWNLOADS)
@settings_common
@given(query=query_strings)
def test_downloads_answer_any_query(client: TestClient, path: str, query: str) -> None:
    assert_clear(client.get(f"{path}?{query}"), html=False)


@pytest.mark.parametrize("template", RECORDS)
@settings_common
@given(key=texts.filter(lambda t: t not in ("", ".", "..")), query=query_strings)
def test_record_pages_answer_any_key(
    client: TestClient, template: str, key: str, query: str
) -> None:
    path = template.format(quote(key, safe=""))
    assert_clear(client.get(f"{path}?{query}"), html=True)


@pytest.mark.parametrize(
    "query",
    [
        f"per_page={PER_PAGE_MAX + 1}",
        f"page={PAGE_MAX + 1}",
        "page=99999999999999999999999",
        f"q={'x' * (Q_MAX_LENGTH + 1)}",
        "q=" + "x" * 10_000,
        "per_page=0",
        "page=-1",
        "sort=nonsense",
    ],
)
@pytest.mark.parametrize("path", ["/projects", "/api/v1/projects", "/projects.csv"])
def test_out_of_range_parameters_are_refused_with_a_reason(
    client: TestClient, path: str, query: str
) -> None:
    """per_page and q are capped the same on the page, the API and the download."""
    response = client.get(f"{path}?{query}")
    assert response.status_code == 422
    name = query.split("=")[0]
    assert name in response.text
    assert_clear(response, html=not path.startswith(("/api/", "/projects.csv")))


@pytest.mark.parametrize("path", ["/projects", "/api/v1/projects"])
def test_largest_allowed_values_are_served(client: TestClient, path: str) -> None:
    query = f"per_page={PER_PAGE_MAX}&page={PAGE_MAX}&q={'x' * Q_MAX_LENGTH}"
    assert client.get(f"{path}?{query}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/projects?q=a%00b",
        "/projects?sector=%00",
        "/statements?organization=%00",
        "/projects/karot%00",
        "/countries/%00",
        "/sectors/energy%00",
        "/projects.csv?q=%00",
        "/api/v1/projects?q=%00",
        "/api/v1/countries/%00",
    ],
)
def test_nul_is_refused_before_the_database_sees_it(client: TestClient, url: str) -> None:
    """PostgreSQL refuses NUL in text: a NUL must be a 422, not a database error."""
    response = client.get(url)
    assert response.status_code == 422
    assert "NUL" in response.text
    assert_clear(response, html="/api/" not in url and ".csv" not in url)
