"""One parser per filter: every parameter of every filter, empty, valid, unknown and out of
range, means the same on the page, the JSON API and the downloads (the README's promise)."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.metrics.filter import MetricFilter
from app.projects.filter import ProjectFilter
from app.queries.claim_list import ClaimFilter
from app.statements.filter import StatementFilter
from app.web.pages import CataloguePage

# Where each filter is parsed: (kind of answer, path).
SURFACES: dict[type[BaseModel], list[tuple[str, str]]] = {
    ProjectFilter: [
        ("page", "/projects"),
        ("api", "/api/v1/projects"),
        ("csv", "/projects.csv"),
        ("geojson", "/projects.geojson"),
    ],
    StatementFilter: [
        ("page", "/statements"),
        ("api", "/api/v1/statements"),
        ("csv", "/statements.csv"),
    ],
    MetricFilter: [("api", "/api/v1/metrics"), ("csv", "/metrics.csv")],
    ClaimFilter: [("page", "/claims"), ("api", "/api/v1/claims"), ("csv", "/claims.csv")],
}

# Per parameter: values the seed knows, and a value that must be refused. "" (a form's empty
# field) is tried for every parameter and must mean "no filter".
SAMPLES: dict[type[BaseModel], dict[str, tuple[list[str], str]]] = {
    ProjectFilter: {
        "sector": (["energy", "hydro"], "no-such-sector"),
        "country": (["LAO", "pak"], "XYZ"),
        "region": (["asia", "south-eastern-asia"], "atlantis"),
        "status": (["operational"], "flying"),
        "kind": (["bri", "reference"], "imaginary"),
        "verdict": (["consistent", "above_range"], "dubious"),
        "lender": (["china-exim", "cdb"], "no-such-bank"),
        "q": (["railway"], "x" * 201),
        "sort": (["-claimed", "opened"], "sideways"),
        "page": (["2"], "0"),
        "per_page": (["5"], "100000"),
    },
    StatementFilter: {
        "organization": (["{organization}"], "nobody"),
        "project": (["karot-hydropower"], "no-such-project"),
        "sector": (["transport"], "no-such-sector"),
        "page": (["2"], "abc"),
        "per_page": (["3"], "0"),
    },
    MetricFilter: {
        "project": (["karot-hydropower", "china-laos-railway"], "no-such-project"),
        "kind": (["emissions_avoided"], "mood"),
        "basis": (["claimed", "reported"], "rumoured"),
        "sector": (["transport"], "no-such-sector"),
        "country": (["lao"], "XYZ"),
        "page": (["2"], "-1"),
        "per_page": (["7"], "abc"),
    },
    ClaimFilter: {
        "verdict": (["above_range", "consistent"], "dubious"),
        "project": (["karot-hydropower", "china-laos-railway"], "no-such-project"),
        "sector": (["energy"], "no-such-sector"),
        "country": (["PAK", "lao"], "XYZ"),
        "region": (["asia"], "atlantis"),
        "claimant": (["CTG", "xinhua"], "x" * 101),
        "period": (["annual"], "weekly"),
        "sort": (["-ratio", "stated"], "sideways"),
        "page": (["2"], "0"),
        "per_page": (["5"], "100000"),
    },
}


def _cases() -> list[Any]:
    cases = []
    for model, samples in SAMPLES.items():
        for name, (valid, unknown) in samples.items():
            name_id = f"{model.__name__}-{name}"
            cases.append(pytest.param(model, [(name, "")], 200, id=f"{name_id}-empty"))
            cases.append(pytest.param(model, [(name, valid[0])], 200, id=f"{name_id}-one"))
            both = [(name, "")] + [(name, v) for v in valid]
            cases.append(pytest.param(model, both, 200, id=f"{name_id}-empty-and-values"))
            cases.append(pytest.param(model, [(name, unknown)], 422, id=f"{name_id}-unknown"))
        cases.append(pytest.param(model, [("colour", "red")], 422, id=f"{model.__name__}-extra"))
        cases.append(pytest.param(model, [("colour", "")], 422, id=f"{model.__name__}-extra-empty"))
    return cases


def test_every_parameter_has_samples() -> None:
    """A new filter parameter must be added here, so this test runs it everywhere."""
    for model, samples in SAMPLES.items():
        assert set(samples) == set(model.model_fields), model.__name__


@pytest.fixture(scope="module")
def organization(client: TestClient) -> str:
    return str(client.get("/api/v1/statements").json()["organizations"][0]["value"])


def _total(kind: str, response: httpx.Response) -> int | None:
    """How many records matched, as each kind of answer says it."""
    if kind == "page":
        found = BeautifulSoup(response.text, "html.parser").select_one(".result-count strong")
        assert found is not None
        return int(found.text.replace(",", ""))
    if kind == "api":
        return int(response.json()["total"])
    if kind == "csv":
        return len(list(csv.DictReader(io.StringIO(response.text))))
    return None  # GeoJSON lists only the located projects


def _message(kind: str, response: httpx.Response) -> str:
    if kind == "page":
        found = BeautifulSoup(response.text, "html.parser").select_one(".error-message")
        assert found is not None
        return found.text
    return str(response.json()["detail"])


@pytest.mark.parametrize(("model", "params", "status"), _cases())
def test_parameter_means_the_same_on_page_api_and_download(
    client: TestClient,
    organization: str,
    model: type[BaseModel],
    params: list[tuple[str, str]],
    status: int,
) -> None:
    params = [(k, v.format(organization=organization)) for k, v in params]
    totals = {}
    for kind, path in SURFACES[model]:
        response = client.get(path, params=params)
        assert response.status_code == status, (path, params, response.text[:300])
        if status == 200:
            totals[path] = _total(kind, response)
        else:
            name, value = params[0]
            message = _message(kind, response)
            assert name in message or value in message, (path, message)
    counted = {path: n for path, n in totals.items() if n is not None}
    assert len(set(counted.values())) <= 1, counted


@pytest.mark.parametrize("model", list(SAMPLES))
def test_an_empty_value_is_no_filter(client: TestClient, model: type[BaseModel]) -> None:
    """`?x=` for every parameter at once is the unfiltered list, everywhere."""
    empty = [(name, "") for name in model.model_fields]
    for kind, path in SURFACES[model]:
        unfiltered = _total(kind, client.get(path))
        response = client.get(path, params=empty)
        assert response.status_code == 200, (path, response.text[:300])
        assert _total(kind, response) == unfiltered


def test_filters_are_normalised_and_hashable() -> None:
    """Two spellings of one filter are one value (and one cache entry)."""
    one = ProjectFilter.model_validate({"sector": ["hydro", "", "energy", "hydro"], "q": ""})
    two = ProjectFilter(sector=("energy", "hydro"), country=())
    assert one == two and hash(one) == hash(two)
    assert ProjectFilter(country=["lao", "PAK"]).country == ("LAO", "PAK")
    assert MetricFilter.model_validate({"page": "", "kind": [""]}) == MetricFilter()


# Page-only parameters: how a list page lays its results out. The page and its htmx fragment
# parse them (the page's model is its filter plus them); the API, the downloads and the embed
# page parse the filter alone and refuse them as unknown. Per page model: its filter, and per
# parameter the values it takes and one it refuses.
PAGE_ONLY: dict[type[BaseModel], tuple[type[BaseModel], dict[str, tuple[list[str], str]]]] = {
    CataloguePage: (ProjectFilter, {"view": (["cards", "table"], "tiles")}),
}
ELSEWHERE = {ProjectFilter: ["/embed/projects"]}  # besides the API and the downloads


def test_page_models_are_their_filter_and_page_only_parameters() -> None:
    """A page model adds only its page-only parameters: its filter cannot drift from the API's."""
    for page_model, (filter_model, samples) in PAGE_ONLY.items():
        assert issubclass(page_model, filter_model)
        assert set(page_model.model_fields) == set(filter_model.model_fields) | set(samples)


def _page_only_cases() -> list[Any]:
    return [
        pytest.param(
            page_model, filter_model, name, valid, refused, id=f"{page_model.__name__}-{name}"
        )
        for page_model, (filter_model, samples) in PAGE_ONLY.items()
        for name, (valid, refused) in samples.items()
    ]


@pytest.mark.parametrize(
    ("page_model", "filter_model", "name", "valid", "refused"), _page_only_cases()
)
def test_page_only_parameter_is_the_page_s_alone(
    client: TestClient,
    page_model: type[BaseModel],
    filter_model: type[BaseModel],
    name: str,
    valid: list[str],
    refused: str,
) -> None:
    pages = [path for kind, path in SURFACES[filter_model] if kind == "page"]
    others = [(kind, path) for kind, path in SURFACES[filter_model] if kind != "page"]
    others += [("page", path) for path in ELSEWHERE.get(filter_model, [])]
    sector = [("sector", "energy")]
    for path in pages:
        expected = _total("page", client.get(path, params=sector))
        for value in ["", *valid]:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(path, params=[*sector, (name, value)], headers=headers)
                assert response.status_code == 200, (path, name, value, response.text[:300])
                assert _total("page", response) == expected, (path, name, value)
        response = client.get(path, params=[*sector, (name, refused)])
        assert response.status_code == 422
        assert name in _message("page", response)
    for kind, path in others:
        response = client.get(path, params=[*sector, (name, valid[-1])])
        assert response.status_code == 422, (path, name)
        assert repr(name) in _message(kind, response), path
