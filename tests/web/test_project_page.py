"""The project page built around the check: claims at a glance first, section links, repeated
figures grouped with all their sources, citation keys resolved, no raw values shown."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def soup(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.text, "html.parser")


def test_claims_at_a_glance_come_first_with_claimants_and_verdicts(client: TestClient) -> None:
    page = soup(client, "/projects/karot-hydropower")
    first = page.find("main").find("section")
    assert first["aria-labelledby"] == "summary-title"
    groups = first.select(".glance > li")
    top = " ".join(groups[0].text.split())
    assert "3.5 Mt CO2" in top and "Qin Guobin" in top and "above range" in top
    # The same figure from several claimants is one entry, each claimant linking to the claim.
    links = groups[0].select(".glance__who a")
    assert len(links) > 1 and all(a["href"].startswith("/claims/karot-hydropower/") for a in links)
    targets = {a["href"] for a in page.select(".on-page a")}
    assert {"#checks-title", "#metrics-title", "#references-title"} <= targets
    for target in targets:
        assert page.find(id=target[1:]), target


def test_project_without_a_claim_says_what_its_data_imply(client: TestClient) -> None:
    page = soup(client, "/projects/mozura-wind-park")
    summary = " ".join(page.select_one("section.summary").text.split())
    assert "No emission claim" in summary and "CO2 a year" in summary


def test_repeated_figures_are_one_row_with_every_source(client: TestClient) -> None:
    page = soup(client, "/projects/karot-hydropower")
    rows = page.select("#metrics-table tbody tr")
    grouped = [r for r in rows if len(r["data-metrics"].split()) > 1]
    assert grouped
    for row in grouped:
        assert len(row.select(".sources-list li")) == len(row["data-metrics"].split())
    assert all(td.has_attr("data-label") for td in page.select("#metrics-table td"))
    assert "stack" in page.select_one("#metrics-table")["class"]


def test_citation_keys_resolve_to_numbered_references(client: TestClient) -> None:
    page = soup(client, "/projects/jakarta-bandung-hsr")
    main = page.find("main")
    assert not re.search(r"\[J\d+\]", main.text), "a citation key was left unresolved"
    cites = main.select("a.cite")
    assert cites
    for cite in cites:
        target = page.find(id=cite["href"][1:])
        assert target is not None and target.parent.name == "ol", cite
        assert cite.text == f"[{target['id'].split('-')[1]}]"


def test_no_raw_enum_values_or_ids_reach_readers(client: TestClient) -> None:
    for slug in ("karot-hydropower", "jakarta-bandung-hsr", "china-laos-railway"):
        page = soup(client, f"/projects/{slug}")
        for hidden in page.select("script, style"):
            hidden.decompose()
        text = page.find("main").get_text(" ")
        for raw in ("above_range", "not_checkable", "below_range", "emissions_avoided"):
            assert raw not in text, (slug, raw)
        local = page.select_one("h1 .local-name")
        assert local is not None and local["lang"] == "zh"


def test_cite_this_and_report_an_error_on_project_and_claim_pages(client: TestClient) -> None:
    for url, title in (
        ("/projects/karot-hydropower", "Karot Hydropower Project"),
        ("/claims/karot-hydropower/co2-qin-guobin-2022", "Qin Guobin"),
    ):
        page = soup(client, url)
        plain = page.select_one("#cite-plain").text
        assert title in plain and url in plain and "Dataset version" in plain
        bibtex = page.select_one("#cite-bibtex").text
        assert bibtex.startswith("@misc{greenbri-") and url in bibtex and "year = {" in bibtex
        report = page.select_one("#cite-title ~ p a.button")["href"]
        assert report.startswith("mailto:?subject=Error%20report") and "URL%3A" in report


def test_report_target_comes_from_the_settings(seeded_url: str) -> None:
    from app.config import Settings
    from app.main import create_app

    tracker = "https://tracker.example.org/issues/new"
    app = create_app(Settings(database_url=seeded_url, report_error_url=tracker))
    with TestClient(app) as other:
        page = soup(other, "/projects/karot-hydropower")
    report = page.select_one("#cite-title ~ p a.button")["href"]
    assert report.startswith(tracker + "?title=Error+report")
    assert "karot-hydropower" in report
