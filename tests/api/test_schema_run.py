"""Property-based run of the API from its own OpenAPI schema (schemathesis).

Every generated request must get no 5xx, a documented status code and content type, and a body
that matches the documented schema. Unknown-but-well-formed filter values are a 422 by contract,
so the `positive_data_acceptance` check (any schema-valid value is accepted) is left out. The
number of generated cases is printed at the end of the run and kept in the pytest cache
(`schemathesis/cases`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.db import build_engine
from app.main import create_app
from app.migrate import upgrade

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MAX_EXAMPLES = 50
cases: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def report_case_count(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    total = sum(cases.values())
    store = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    if store is not None:
        store.set("schemathesis/cases", {"total": total, **cases})
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        per_operation = ", ".join(f"{k}: {v}" for k, v in sorted(cases.items()))
        reporter.write_line(f"\nschemathesis generated {total} cases ({per_operation})")


def _schema_app():  # type: ignore[no-untyped-def]
    """The app on an empty migrated SQLite file: describing the API needs no data."""
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bri-openapi-')) / 'empty.db'}"
    engine = build_engine(Settings(database_url=url))
    upgrade(engine)
    engine.dispose()
    return create_app(Settings(database_url=url))


# The schema is read at import (parametrize needs it); the requests go to the seeded app,
# swapped in by the fixture below.
schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_app())


@pytest.fixture(scope="module", autouse=True)
def seeded_target(seeded_app):  # type: ignore[no-untyped-def]
    schema.app = seeded_app
    return seeded_app


def _empty(value: object) -> bool:
    if isinstance(value, list):
        return any(_empty(item) for item in value)
    return value == "" or isinstance(value, dict)


def filter_query(ctx: object, query: dict[str, object] | None) -> bool:
    """Leave out queries with an empty value. An empty value means "no filter" on every list
    (documented in the schema; tests/test_one_parser.py runs each parameter empty on page, API
    and CSV), and a generated "invalid" object is sent as an empty value or as parameters of
    other names (ignored), so a negative case would be indistinguishable from a valid one. Not
    only `{}`: `?per_page=&sector=` came from objects with keys (a clean-clone run, 2026-12-01)."""
    return not query or not any(_empty(value) for value in query.values())


@schema.hooks.apply(filter_query)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    label = f"{case.method} {case.path}"
    cases[label] = cases.get(label, 0) + 1
    case.call_and_validate(checks=CHECKS)
