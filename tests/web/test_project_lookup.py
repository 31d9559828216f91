"""Routes that take a project: an unknown slug is the same 404 on each. Most look the slug up
first (`FoundProject`), and that lookup only checks the slug: it runs before the response cache
can answer, so a record built there was built again for every repeat of a URL; the route builds
it inside the cache. The project page skips the lookup (its record's read answers 404), so a
page not cached yet costs no extra query and no extra hop to a handler thread (issue 11)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.http.deps import found_project
from app.queries import cache
from tests.helpers import sql_statements

LOOKED_UP = [
    "/api/v1/projects/{slug}",
    "/embed/projects/{slug}/claims",
    "/embed/projects/{slug}/ladder",
    "/embed/projects/{slug}/map",
    "/embed/projects/{slug}/figures/{unit}",
]
PROJECT_ROUTES = ["/projects/{slug}", *LOOKED_UP]
# A download, not kept in the response cache: found the same way, answered from its records.
DOWNLOADS = ["/projects/{slug}/financing.csv"]


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.165)
            yield from _api_routes(route.original_router.routes)


def _takes_a_project(dependant: Any) -> bool:
    return any(d.call is found_project or _takes_a_project(d) for d in dependant.dependencies)


def test_every_route_that_takes_a_project_is_listed_here(seeded_app: Any) -> None:
    routes = list(_api_routes(seeded_app.routes))
    assert len(routes) > 20
    assert {r.path for r in routes if _takes_a_project(r.dependant)} == {
        *LOOKED_UP,
        *DOWNLOADS,
    }


@pytest.mark.parametrize("route", PROJECT_ROUTES + DOWNLOADS)
def test_an_unknown_project_is_a_404_with_its_message(client: TestClient, route: str) -> None:
    response = client.get(route.format(slug="no-such-project", unit="t"))
    assert response.status_code == 404
    message = "No project has the slug 'no-such-project'."
    if route.startswith("/api/") or route in DOWNLOADS:  # data, not a page
        assert response.json() == {"detail": message}
    else:
        page = BeautifulSoup(response.text, "html.parser")
        assert page.h1 is not None and page.h1.get_text() == "Project not found"
        found = page.select_one(".error-message")
        assert found is not None and found.get_text().strip() == message


@pytest.mark.parametrize("route", PROJECT_ROUTES)
def test_a_project_url_asked_for_again_builds_nothing(
    client: TestClient, seeded_app: Any, route: str
) -> None:
    url = route.format(slug="karot-hydropower", unit="t-yr")
    first = client.get(url)
    assert first.status_code == 200
    cache.clear()  # no record or other query answer kept: only the response cache may answer
    with sql_statements(seeded_app.state.engine) as seen:
        again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    # The dataset version (the response cache's key) and the slug's lookup, nothing else.
    lookup = [s for s in seen if "FROM PROJECT" in s and "WHERE PROJECT.SLUG = " in s]
    assert len(seen) == len(lookup) + 1, seen
    assert len(lookup) == (route in LOOKED_UP) and "PROJECT.NAME" not in "".join(lookup), seen
    assert sum("FROM DATASET_STATE" in s for s in seen) == 1, seen
