"""Pages stay bounded at any catalogue size: claims charts show the largest N claims of their
filter (saying so, with a download of all), the overview map counts per country beyond a few
hundred located projects, and the map's topojson is fetched by its content-hashed URL."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, create_engine

from app import charts
from app.projects.catalogue import list_projects, top_claims
from app.projects.filter import ProjectFilter, SortKey
from app.queries import stats


def test_top_claims_are_the_largest_of_the_filter(seeded_url: str) -> None:
    with Session(create_engine(seeded_url)) as session:
        everything = list_projects(
            session, filters=ProjectFilter(sort=SortKey.claimed_desc, per_page=200)
        ).items
        claimed = [p for p in everything if p.claimed_tco2_per_year is not None]
        top = top_claims(session, filters=ProjectFilter(), limit=3)
        energy = top_claims(session, filters=ProjectFilter(sector=["energy"]), limit=200)
    assert top.total == len(claimed) > 3
    assert [r["claimed_tco2_per_year"] for r in top.rows] == [
        p.claimed_tco2_per_year for p in claimed[:3]
    ]
    assert energy.rows and all(r["sector_slug"] == "energy" for r in energy.rows)
    assert energy.total == len(energy.rows) < top.total


def test_bounded_claims_chart_says_so_and_links_to_all() -> None:
    rows = [
        {
            "slug": f"p{i}",
            "name": f"Project {i}",
            "sector_slug": "energy",
            "claimed_tco2_per_year": float(100 - i),
        }
        for i in range(3)
    ]
    chart = charts.claims_by_project(
        rows, sector_names={}, total=1234, data_url="/projects.csv?sort=claimed_desc"
    )
    assert "largest 3 of 1,234" in chart.caption
    assert len(chart.rows) == 3 and chart.data_url
    whole = charts.claims_by_project(rows, sector_names={}, total=3)
    assert "largest 3 of" not in whole.caption and whole.title.startswith("Claimed")


def test_catalogue_chart_table_matches_its_bars_and_links_the_csv(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/projects?sector=energy").text, "html.parser")
    data = json.loads(page.select_one("#claims-data").string)
    bars = sum(len(trace["y"]) for trace in data["data"])
    figure = page.select_one("figure.chart")
    assert len(figure.select(".chart-table tbody tr")) == bars <= 20
    link = figure.select_one("a.chart-download")["href"]
    assert link.startswith("/projects.csv?") and "sector=energy" in link
    assert client.get(link).status_code == 200


def test_overview_map_counts_per_country_beyond_the_point_limit(seeded_url: str) -> None:
    with Session(create_engine(seeded_url)) as session:
        points = stats.map_data(session)
        per_country = stats.map_data(session, max_points=1)
    assert points.points and not points.countries
    assert per_country.located == points.located > 1 and not per_country.points
    iso3 = {r["iso3"] for r in per_country.countries}
    assert "PAK" in iso3 and "LAO" in iso3
    chart = charts.country_map(per_country.countries, located=per_country.located)
    trace = chart.figure["data"][0] if chart.figure else {}
    assert trace["type"] == "scattergeo" and trace["locationmode"] == "ISO-3"
    assert sorted(trace["locations"]) == sorted(iso3) and chart.is_map
    assert f"{per_country.located:,} projects have coordinates" in chart.caption


def test_map_plot_names_its_hashed_topojson(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/").text, "html.parser")
    url = page.select_one("#map-plot")["data-topojson"]
    assert url.startswith("/static/vendor/topojson/") and "?v=" in url and "missing" not in url
    assert client.get(url).status_code == 200
    assert not page.select_one("#ratios-plot").has_attr("data-topojson")
