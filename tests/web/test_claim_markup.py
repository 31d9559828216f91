"""Claim lines, verdict chips and cards written in Python (app/web/claim_markup.py,
app/web/cards.py): text from the data is escaped wherever it lands (element text and
attributes), a claim without a date or claimant still reads, and each part of a chip appears
only when its check has it. Parsed with an HTML parser, as a browser reads it."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup, Tag
from markupsafe import escape

from app import models as m
from app.projects.model import ProjectSummary
from app.queries.claim_list import CardCheck, CardClaim, ProjectClaims
from app.web.cards import project_card
from app.web.claim_markup import claim_line, esc, verdict_chip, word
from app.web.templating import templates

NASTY = """Li & <b>Sons</b> "Ltd" 'HK'"""


def check(**changes: object) -> CardCheck:
    values: dict[str, object] = {
        "reading": "as stated",
        "verdict": m.Verdict.above_range,
        "verdict_label": "above the range",
        "ratio": 1.834,
        "ladder_text": None,
        "weak": False,
        "why": 'Claims 1.8× the middle of what its inputs allow (1–2 t, from <grid> & "x").',
    }
    return CardCheck(**(values | changes))  # type: ignore[arg-type]


def claim(**changes: object) -> CardClaim:
    values: dict[str, object] = {
        "slug": "p/m1",
        "url": "/claims/p/m1",
        "claimant": NASTY,
        "stated_on": date(2021, 3, 4),
        "kind": "emissions_avoided",
        "as_stated": "about 3.5 Mt CO2",
        "period": "annual",
        "baseline": None,
        "checks": [check()],
    }
    return CardClaim(**(values | changes))  # type: ignore[arg-type]


def parsed(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("text", [NASTY, "plain", "", "a&&b<<>>\"\"''", "李 & 子 – 3×", 12.5])
def test_esc_writes_what_jinja_autoescape_writes(text: object) -> None:
    assert esc(text) == word(text) == str(escape(text))


def test_claimant_and_why_with_markup_characters_are_text_and_attribute_values() -> None:
    html = claim_line(claim())
    line = parsed(html).select_one("p.claim-line")
    assert isinstance(line, Tag)
    who = line.select_one(".claim__who")
    assert who is not None and who.text == NASTY
    assert not line.select("b")  # the claimant's <b> stayed text
    chip = line.select_one("span.chip")
    assert chip is not None and chip["title"] == check().why
    assert chip["class"] == ["chip", "chip--above-range"]
    assert "&lt;b&gt;" in html and "&#34;" in html and "&#39;" in html
    value = line.select_one("a.claim__value")
    assert value is not None and value["href"] == "/claims/p/m1"
    assert value.text == "about 3.5 Mt CO2"
    assert line.text.startswith("about 3.5 Mt CO2 a year — ")
    time = line.select_one("time")
    assert time is not None and time["datetime"] == "2021-03-04" and time.text == "2021"


def test_a_claim_with_no_date_no_claimant_and_no_period_still_reads() -> None:
    line = parsed(claim_line(claim(stated_on=None, claimant=None, period="unspecified")))
    assert not line.select("time")
    who = line.select_one(".claim__who")
    assert who is not None and who.text == "Claimant not named"
    assert "(period not stated)" in line.text


def test_baselines_are_written_as_vs_and_unstated_ones_say_so() -> None:
    def words(baseline: str | None) -> str:
        return " ".join(parsed(claim_line(claim(baseline=baseline))).text.split())

    assert "a year vs coal & gas —" in words("coal & gas")
    assert "a year VS coal —" in words("VS coal")
    assert "(baseline not stated)" in words("Not stated")
    assert "vs" not in words(None).split("—")[0]


def test_chip_shows_reading_ratio_and_weak_only_when_the_check_has_them() -> None:
    plain = parsed(verdict_chip(check()))
    assert not plain.select(".chip__reading") and not plain.select(".chip__weak")
    ratio = plain.select_one(".chip__ratio")
    assert ratio is not None and ratio.text == "· 1.8× expected"

    weak = check(
        reading="annual <reading>",
        verdict=m.Verdict.consistent,
        verdict_label="consistent",
        ratio=12.4,
        ladder_text="consistent with the grid average",
        weak=True,
    )
    chip = parsed(verdict_chip(weak))
    reading = chip.select_one(".chip__reading")
    assert reading is not None and reading.text == "annual <reading>:"
    ratio = chip.select_one(".chip__ratio")
    assert ratio is not None and ratio.text == "· 12× the grid average"
    marker = chip.select_one(".chip__weak")
    assert marker is not None and marker.text == "· weak check"
    assert not parsed(verdict_chip(weak, show_reading=False)).select(".chip__reading")

    unchecked = check(verdict=m.Verdict.not_checkable, verdict_label="not checkable", ratio=2.0)
    assert not parsed(verdict_chip(unchecked)).select(".chip__ratio")


def test_templates_call_the_same_functions() -> None:
    one = claim(checks=[check(), check(reading="grid average", weak=True)])
    rendered = templates.env.from_string("{{ claim_line(c) }}|{{ verdict_chip(k) }}").render(
        c=one, k=one.checks[1]
    )
    assert rendered == f"{claim_line(one)}|{verdict_chip(one.checks[1])}"


def test_card_escapes_project_text_and_lists_its_claims() -> None:
    project = ProjectSummary(
        slug="li-sons",
        name=NASTY,
        local_name="李 & 子",
        kind=m.ProjectKind.reference,
        status=m.ProjectStatus.operational,
        capacity_value=1234.0,
        capacity_unit="MW",
        sector="energy",
        technology="solar-pv",
        technology_name="Solar <PV>",
        claimed_tco2_per_year=3_500_000.0,
        countries=["PAK", "CHN"],
    )
    claims = ProjectClaims(count=3, main=[claim()], verdicts={"above_range": 2, "consistent": 1})
    card = parsed(project_card(project, {"energy": "Energy & power"}, claims))
    title = card.select_one("li.card h3.card-title a")
    assert title is not None and title.text == NASTY and title["href"] == "/projects/li-sons"
    local = card.select_one(".local-name")
    assert local is not None and local.text == "李 & 子"
    assert card.select_one("p.muted").text == "Solar <PV> · Energy & power · PAK, CHN"  # type: ignore[union-attr]
    assert len(card.select(".card-claims p.claim-line")) == 1
    more = card.select_one(".card__more")
    assert more is not None
    assert " ".join(more.text.split()) == "3 claims checked 2 above range 1 consistent"
    facts = {dt.text: dt.find_next("dd") for dt in card.select("dl.facts-inline dt")}
    assert facts["Status"].text == "Operational"  # type: ignore[union-attr]
    assert facts["Capacity"].text == "1,234 MW"  # type: ignore[union-attr]
    assert facts["Opened"].text == "—"  # type: ignore[union-attr]
    claimed = facts["Largest annual claim"]
    assert claimed is not None and claimed["data-claimed"] == "3500000.0"
    assert card.select_one("p.tag") is not None

    bare = parsed(project_card(project.model_copy(update={"local_name": None}), {}, None))
    assert not bare.select(".local-name") and not bare.select(".claim-line")
    assert bare.select_one(".card__more").text == "No emission claim found."  # type: ignore[union-attr]
