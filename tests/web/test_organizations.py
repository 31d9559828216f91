"""Over HTTP, on the seed plus the AidData import (as `make run` prepares it): organisation
pages and API, financing on project pages, the lender facet and search across lenders."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app import models as m
from app.aiddata.importer import import_aiddata
from app.config import PROJECT_ROOT
from app.db import build_engine
from app.exports import export_package
from app.loader import load_paths
from app.migrate import upgrade
from tests.helpers import SCREENSHOTS, SEED_DIR, free_port, fresh_database_url, settings_for

AIDDATA = PROJECT_ROOT / "imports" / "aiddata" / "gcdf3-green-candidates.csv"
F = m.Financing.__table__  # type: ignore[attr-defined]
X = m.ExternalId.__table__  # type: ignore[attr-defined]
P = m.Project.__table__  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def imported_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seed plus the AidData import, as `make run` prepares it."""
    url = fresh_database_url(tmp_path_factory.mktemp("imported"), "imported")
    engine = build_engine(settings_for(url))
    upgrade(engine)
    load_paths(engine, [SEED_DIR])
    import_aiddata(engine, AIDDATA)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def imported_app(imported_url: str) -> Any:
    from app.main import create_app

    return create_app(settings_for(imported_url))


@pytest.fixture(scope="module")
def http(imported_app: Any) -> Iterator[TestClient]:
    with TestClient(imported_app) as client:
        yield client


def _slugs(http: TestClient, query: str) -> set[str]:
    found: set[str] = set()
    page = 1
    while True:
        body = http.get(f"/api/v1/projects?{query}&per_page=200&page={page}").json()
        found |= {item["slug"] for item in body["items"]}
        if page * 200 >= body["total"]:
            return found
        page += 1


def test_karot_page_shows_its_three_financing_records(http: TestClient) -> None:
    response = http.get("/projects/karot-hydropower")
    assert response.status_code == 200
    rows = BeautifulSoup(response.text, "html.parser").select("#financing-table tbody tr")
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]
    lenders = sorted(c[0] for c in cells)
    assert lenders == [
        "China Development Bank (CDB)",
        "Export-Import Bank of China (China Eximbank)",
        "Silk Road Fund",
    ]
    assert all(c[1].startswith("US$530.8 million") for c in cells)
    links = {a["href"] for row in rows for a in row.select("a[href^='https://china.aiddata']")}
    assert links == {f"https://china.aiddata.org/projects/{i}" for i in (37233, 92310, 92311)}
    detail = http.get("/api/v1/projects/karot-hydropower").json()
    assert {f["aiddata_id"] for f in detail["financing"]} == {37233, 92310, 92311}
    assert {x["value"] for x in detail["external_ids"] if x["system"] == "aiddata"} == {
        "37233",
        "92310",
        "92311",
    }


def test_q_eximbank_and_the_lender_facet_find_the_same_projects(http: TestClient) -> None:
    by_text = _slugs(http, "q=Eximbank")
    by_lender = _slugs(http, "lender=china-exim")
    curated = {  # the seed's projects that name China Eximbank a financier
        "adama-i-wind-farm", "adama-ii-wind-farm", "budapest-belgrade-railway-serbia",
        "bui-hydroelectric-dam", "cauchari-solar-park", "china-laos-railway",
        "coca-codo-sinclair", "kafue-gorge-lower", "karot-hydropower", "mombasa-nairobi-sgr",
        "quaid-e-azam-solar-park-zonergy",
    }  # fmt: skip
    assert curated <= by_lender
    assert by_text == by_lender
    assert len(by_lender) > 100
    facet = http.get("/api/v1/projects?lender=china-exim").json()["facets"]["lender"]
    assert {"value": "china-exim", "count": len(by_lender)}.items() <= facet[0].items()


def test_unknown_lender_is_a_422(http: TestClient) -> None:
    response = http.get("/api/v1/projects?lender=no-such-bank")
    assert response.status_code == 422
    assert "unknown lender" in response.json()["detail"]
    assert http.get("/projects?lender=no-such-bank").status_code == 422


def test_organization_page_lists_roles_and_lending(http: TestClient) -> None:
    response = http.get("/organizations/china-exim")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1 and "China Eximbank" in page.h1.get_text()
    lent = page.select("#lent-table tbody tr")
    roles = page.select("#roles-table tbody tr")
    assert len(lent) > 100 and len(roles) >= 11
    assert page.select_one("#org-sector-years-plot") is not None
    api = http.get("/api/v1/organizations/china-exim").json()
    assert len(api["financing"]) == len(lent)
    assert api["lent_usd_2021"] == pytest.approx(
        sum(f["amount_usd_2021"] or 0 for f in api["financing"])
    )


def test_organizations_index_and_unknown_organisation(http: TestClient) -> None:
    index = http.get("/organizations")
    assert index.status_code == 200
    page = BeautifulSoup(index.text, "html.parser")
    assert page.select_one("#lenders-plot") and page.select_one("#sector-years-plot")
    listed = http.get("/api/v1/organizations").json()
    assert {"china-exim", "cdb", "silk-road-fund"} <= {o["slug"] for o in listed}
    assert http.get("/organizations/no-such-org").status_code == 404
    assert http.get("/api/v1/organizations/no-such-org").status_code == 404


def test_data_package_carries_financing_and_aiddata_licence(
    imported_url: str, engine: Engine, tmp_path: Path
) -> None:
    source = build_engine(settings_for(imported_url))
    with source.connect() as conn:
        export_package(conn, tmp_path / "package")
        expected = {t: sorted(map(tuple, conn.execute(select(t)))) for t in (F, X)}
    source.dispose()
    package = json.loads((tmp_path / "package" / "datapackage.json").read_text(encoding="utf-8"))
    assert [x["name"] for x in package["licenses"]] == ["CC-BY-4.0", "ODC-By-1.0"]
    header = (tmp_path / "package" / "financing.csv").read_text(encoding="utf-8").split("\n")[0]
    assert {"slug", "project", "lender", "amount_usd_2021", "aiddata_id", "source"} <= set(
        header.split(",")
    )
    load_paths(engine, [tmp_path / "package"])  # re-loads into an empty database
    with engine.connect() as conn:
        assert {t: sorted(map(tuple, conn.execute(select(t)))) for t in (F, X)} == expected
        assert conn.execute(select(func.count()).where(P.c.origin == "aiddata")).scalar() > 250


def test_external_id_lookup(http: TestClient) -> None:
    found = http.get("/api/v1/external-ids/aiddata/92311").json()
    assert found == {"system": "aiddata", "value": "92311", "projects": ["karot-hydropower"]}
    assert http.get("/api/v1/external-ids/aiddata/1").status_code == 404


@pytest.fixture(scope="module")
def live_imported(imported_app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(imported_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("width", [1280, 390])
def test_karot_financing_section_in_chromium(browser: Any, live_imported: str, width: int) -> None:

    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(f"{live_imported}/projects/karot-hydropower#financing")
        section = page.locator("#financing")
        section.wait_for()
        rows = section.locator("#financing-table tbody tr")
        assert rows.count() == 3
        box = section.bounding_box()
        assert box is not None and box["width"] <= width
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        section.screenshot(path=str(SCREENSHOTS / f"karot-financing-{width}.png"))
    finally:
        page.close()


def test_financing_csv_downloads(http: TestClient) -> None:
    response = http.get("/financing.csv?lender=china-exim")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_lender = _slugs(http, "lender=china-exim")
    assert {row["project"] for row in rows} <= by_lender
    assert any(row["lender"] == "china-exim" for row in rows)
    karot = http.get("/projects/karot-hydropower/financing.csv")
    lines = list(csv.DictReader(io.StringIO(karot.text)))
    assert sorted(row["aiddata_id"] for row in lines) == ["37233", "92310", "92311"]
    assert all(row["source_url"].startswith("https://china.aiddata.org/projects/") for row in lines)
    assert http.get("/projects/no-such-project/financing.csv").status_code == 404
    assert http.get("/financing.csv?lender=no-such-bank").status_code == 422
