"""Claim checks: each pure check with a tiny in-test dataset, then the worked cases on the seed,
computed by hand from the fact sheet's sourced inputs (shared/reference/facts.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import checks as c
from app import models as m
from app.charts_checks import claimed_vs_expected_figure
from app.checks import store
from app.config import Settings
from app.db import build_engine
from app.loader import load_paths
from app.models import MetricKind, Period, Qualifier, Verdict
from app.queries.checks import all_checks, checks_for_project
from app.web.templating import templates
from tests.helpers import MINI

SEED = Path(__file__).parent.parent / "seed"
CC = m.ClaimCheck.__table__  # type: ignore[attr-defined]

# Fact sheet inputs (Part 4): grid factors [E1][E4], freight [F1][F2][F3], passengers [P1].
PAK_E1, PAK_E4, MNE_E1 = 0.4406, 0.30955, 0.4171
ROAD = (90.3, 123.66, 149.93)  # NL 2014; UK HGV direct; UK HGV incl. indirect (g/tkm)
RAIL = (11.3, 30.0)  # NL 2014; UK 2007 (g/tkm)


def grid(slug: str, value: float, country: str = "PAK", unit: str = "t/MWh", **kw) -> c.Factor:  # type: ignore[no-untyped-def]
    return c.Factor(slug, "grid", value, unit, f"src-{slug}", country=country, **kw)


def freight(slug: str, mode: str, value: float) -> c.Factor:
    return c.Factor(slug, "freight", value, "g/tkm", f"src-{slug}", country="NLD", mode=mode)


def claim(value: float, **kw) -> c.Claim:  # type: ignore[no-untyped-def]
    kw.setdefault("kind", MetricKind.emissions_avoided)
    kw.setdefault("unit", "t")
    return c.Claim("p/co2", value=value, source_slug="src-claim", **kw)


def qty(value: float, label: str = "MWh/yr", source: str = "src-gen") -> c.Quantity:
    return c.Quantity(value, label, label, source, "p/activity")


ROAD_FACTORS = [freight(f"road-{i}", "road", v) for i, v in enumerate(ROAD)]
RAIL_FACTORS = [freight(f"rail-{i}", "rail", v) for i, v in enumerate(RAIL)]
GAP_LOW, GAP_HIGH = min(ROAD) - max(RAIL), max(ROAD) - min(RAIL)  # 60.3, 138.63 g/tkm


# ---------------------------------------------------------------- power (single baseline)
# The power claims themselves are placed on the baseline ladder (tests/test_checks_ladder.py);
# check_power is the single-baseline arithmetic kept for projects without a claim.


def test_check_power_single_factor_has_a_range_of_its_rounding() -> None:
    """One factor with no stated range: its range is its rounding, never zero width."""
    result = c.check_power(claim(289_000.0), [qty(350_000.0)], [grid("kaz", 0.8214, "KAZ")])
    assert result.expected is not None
    assert result.expected.low < result.expected.high
    assert result.expected.low == pytest.approx(345_000 * 0.82135)
    assert result.expected.high == pytest.approx(355_000 * 0.82145)
    assert "rounding" in result.expected.how
    assert result.verdict == Verdict.consistent


def test_power_missing_inputs_are_named() -> None:
    no_generation = c.check_power(claim(1.0), [], [grid("x", 0.4)])
    assert no_generation.verdict == Verdict.not_checkable
    assert "generation" in (no_generation.missing or "")
    no_factor = c.check_power(claim(1.0), [qty(1.0)], [], missing_factor="grid factor for MNE")
    assert no_factor.verdict == Verdict.not_checkable
    assert no_factor.missing == "grid factor for MNE"


def test_power_unit_mismatch_is_left_out_and_convertible_units_are_converted() -> None:
    wrong = c.check_power(claim(1.0), [qty(1.0)], [grid("wrong", 35.0, unit="g/pkm")])
    assert wrong.verdict == Verdict.not_checkable
    assert any("not a t/MWh unit" in note for note in wrong.ambiguities)
    per_kwh = c.check_power(claim(1.0), [qty(1_234.0)], [grid("g", 440.6, unit="g/kWh")])
    assert per_kwh.expected is not None
    assert per_kwh.expected.mid == pytest.approx(1_234 * 0.4406, rel=1e-3)


def _hydro(**activity: list[tuple[c.Quantity, Period, str | None]]) -> c.ProjectData:
    project = c.ProjectData("p", "hydro", "energy", countries=["PAK"])
    project.activity[MetricKind.generation] = activity.get("generation", [])
    return project


def test_rounding_helpers() -> None:
    assert c.half_unit(289_000) == 500 and c.half_unit(350_000) == 5_000
    assert c.half_unit(0.8214) == pytest.approx(0.00005) and c.half_unit(0) == 0


def test_unstated_period_folds_readings_with_the_same_verdict() -> None:
    project = _hydro(
        generation=[
            (qty(100.0), Period.annual, None),
            (qty(300.0, "MWh"), Period.cumulative, "st"),
        ]
    )
    stated = claim(1_000.0, statement_slug="st")
    results = c.checks_for_claim(stated, project, [grid("e", 0.5)])
    assert len(results) == 1  # both readings above range
    assert results[0].reading == "cumulative"  # the period of the claim's own statement
    assert results[0].other_readings[0]["reading"] == "annual"
    assert "period not stated: annual or cumulative?" in results[0].ambiguities


def test_unstated_period_keeps_both_readings_when_verdicts_differ() -> None:
    project = _hydro(
        generation=[
            (qty(100.0), Period.annual, None),
            (qty(3_000.0, "MWh"), Period.cumulative, "st"),
        ]
    )
    results = c.checks_for_claim(claim(1_234.0, statement_slug="st"), project, [grid("e", 0.512)])
    assert {(r.reading, r.verdict) for r in results} == {
        ("annual", Verdict.above_range),  # 50 t expected a year
        ("cumulative", Verdict.below_range),  # 1,500 t expected in all
    }


def test_qualifiers_set_the_interval_a_claim_allows() -> None:
    rng = c.Range(10.0, 20.0, "t", "")
    assert c.verdict_for(claim(5.0, qualifier=Qualifier.over), rng)[0] == Verdict.consistent
    assert c.verdict_for(claim(25.0, qualifier=Qualifier.over), rng)[0] == Verdict.above_range
    assert c.verdict_for(claim(5.0, qualifier=Qualifier.up_to), rng)[0] == Verdict.below_range
    assert c.verdict_for(claim(25.0, qualifier=Qualifier.up_to), rng)[0] == Verdict.consistent
    assert c.verdict_for(claim(5.0, value_high=12.0), rng)[0] == Verdict.consistent


# ---------------------------------------------------------------- freight and passengers


def test_freight_china_laos_by_hand() -> None:
    """1.86 Mt claimed; 46.5 Mt x 0..1,035 km x (road 90.3..149.93 - rail 11.3..30 g/tkm)."""
    result = c.check_transport(
        claim(1.86e6, qualifier=Qualifier.about),
        [qty(46.5e6, "t", "src-cargo")],
        c.Quantity(1035.0, "km", "km", None, "capacity"),
        ROAD_FACTORS,
        RAIL_FACTORS,
        freight=True,
    )
    assert pytest.approx((60.3, 138.63)) == (GAP_LOW, GAP_HIGH)
    assert result.verdict == Verdict.consistent
    assert result.expected is not None
    assert result.expected.low == 0
    # 46.5 Mt is 46.45..46.55 Mt: the single figure is allowed its rounding (no zero width)
    assert result.expected.high == pytest.approx(46.55e6 * 1035 * 138.63 / 1e6)  # 6.68 Mt
    assert result.ratio == pytest.approx(1.86e6 / (46.55e6 * 1035 * 138.63 / 2e6))
    # The reverse: 40 kg CO2 per tonne implies a haul of 288.5..663.3 km, under the 1,035 km line.
    haul = c.implied_haul_km(1.86e6, 46.5e6, c.Range(GAP_LOW, GAP_HIGH, "g/tkm", ""))
    assert haul == pytest.approx((40_000 / 138.63, 40_000 / 60.3))
    assert haul is not None and haul[1] < 1035
    assert any(
        "average haul 288.2–662.6 km, against a line of 1,035 km" in s for s in result.arithmetic
    )


def test_freight_in_tonne_km_needs_no_line_length() -> None:
    result = c.check_transport(
        claim(1_000.0), [qty(1e7, "tkm/yr")], None, ROAD_FACTORS, RAIL_FACTORS, freight=True
    )
    assert result.expected is not None
    # "10 million tkm" is 9.5..10.5 million by its rounding (read to two significant digits)
    assert result.expected.low == pytest.approx(0.95e7 * GAP_LOW / 1e6)
    assert result.expected.high == pytest.approx(1.05e7 * GAP_HIGH / 1e6)
    assert result.verdict == Verdict.consistent


def test_freight_missing_inputs() -> None:
    no_line = c.check_transport(
        claim(1.0), [qty(1.0, "t")], None, ROAD_FACTORS, RAIL_FACTORS, freight=True
    )
    assert no_line.verdict == Verdict.not_checkable and "line's length" in (no_line.missing or "")
    no_cargo = c.check_transport(claim(1.0), [], None, ROAD_FACTORS, RAIL_FACTORS, freight=True)
    assert "tonnes of cargo" in (no_cargo.missing or "")
    no_rail = c.check_transport(claim(1.0), [qty(1.0, "tkm")], None, ROAD_FACTORS, [], freight=True)
    assert "rail emission factor" in (no_rail.missing or "")


def test_freight_zero_cargo_and_zero_gap() -> None:
    assert c.implied_haul_km(1.0, 0.0, c.Range(60.0, 100.0, "g/tkm", "")) is None
    assert c.implied_haul_km(1.0, 5.0, c.Range(0.0, 0.0, "g/tkm", "")) is None
    gap = c.mode_gap(c.Range(10.0, 20.0, "g/tkm", ""), c.Range(30.0, 40.0, "g/tkm", ""))
    assert (gap.low, gap.high) == (0.0, 0.0)  # rail above road: no saving, never negative


def test_freight_unit_mismatch_factor_is_left_out() -> None:
    per_passenger = c.Factor("odd", "freight", 90.0, "g/pkm", "src", mode="road")
    result = c.check_transport(
        claim(1.0), [qty(1.0, "tkm")], None, [per_passenger], RAIL_FACTORS, freight=True
    )
    assert result.verdict == Verdict.not_checkable
    assert any("odd is in g/pkm" in note for note in result.ambiguities)


def test_passengers_by_hand() -> None:
    car = [c.Factor("petrol", "passenger", 170.0, "g/pkm", "p1", mode="car-petrol")]
    rail = [c.Factor("rail", "passenger", 35.0, "g/pkm", "p1", mode="rail-national")]
    result = c.check_transport(
        claim(1_234.0), [qty(1.2345e7, "pkm/yr")], None, car, rail, freight=False
    )
    assert result.check_name == "passengers"
    assert result.expected is not None
    assert result.expected.high == pytest.approx(1.23455e7 * (175 - 34.5) / 1e6)  # rounding
    assert result.verdict == Verdict.below_range  # 1,234 t claimed


# ---------------------------------------------------------------- percentages and intensities


def test_percentage_without_baseline_is_not_checkable() -> None:
    pct = claim(30.0, kind=MetricKind.emissions_reduction_pct, unit="%", baseline="not stated")
    result = c.check_percentage(pct, [], [], unit="g/pkm", baseline_name="x")
    assert result.verdict == Verdict.not_checkable
    assert result.missing == "the baseline: 30% lower than what is not stated"


def test_percentage_against_road_freight_by_hand() -> None:
    """Over 80 % lower than road: 1 - 30/90.3 = 66.8 % .. 1 - 11.3/149.93 = 92.5 %."""
    pct = claim(
        80.0,
        kind=MetricKind.emissions_reduction_pct,
        unit="%",
        qualifier=Qualifier.over,
        baseline="vs road freight",
    )
    result = c.check_percentage(
        pct, ROAD_FACTORS, RAIL_FACTORS, unit="g/tkm", baseline_name="road freight"
    )
    assert result.expected is not None
    assert result.expected.low == pytest.approx((1 - 30 / 90.3) * 100)
    assert result.expected.high == pytest.approx((1 - 11.3 / 149.93) * 100)
    assert result.verdict == Verdict.consistent


def test_intensity_against_mode_factors() -> None:
    rail = [
        c.Factor("r", "passenger", 35.0, "g/pkm", "p1", mode="rail-national"),
        c.Factor("e", "passenger", 4.0, "g/pkm", "p1", mode="rail-high-speed-eurostar"),
    ]
    fine = c.check_intensity(
        claim(6.9, unit="g/pkm", kind=MetricKind.emission_intensity), rail, mode_name="rail"
    )
    assert fine.verdict == Verdict.consistent
    empty = c.check_intensity(claim(6.9, unit="g/pkm"), [], mode_name="rail")
    assert empty.verdict == Verdict.not_checkable


def test_expected_power_without_a_claim() -> None:
    result = c.expected_power([qty(100_000.0), qty(112_000.0)], [grid("mne", MNE_E1, "MNE")])
    assert result is not None and result.expected is not None
    assert (result.expected.low, result.expected.high) == pytest.approx(
        (100_000 * 0.41705, 112_000 * 0.41715)
    )
    assert result.verdict == Verdict.not_checkable and "claim" in (result.missing or "")
    assert all(i["name"] != "claim" for i in result.inputs)
    assert c.expected_power([], [grid("mne", MNE_E1, "MNE")]) is None


# ---------------------------------------------------------------- database: mini dataset


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def _rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(CC).order_by(CC.c.metric_slug, CC.c.reading)).mappings()
        ]


def test_load_stores_checks_and_a_reload_replaces_them(engine: Engine, mini: Path) -> None:
    load_paths(engine, [mini])
    rows = _rows(engine)
    # The mini dataset's ladder has one rung, Pakistan's grid average (0.4406 t/MWh, 2023):
    # about 3.5 Mt on 3,206 GWh (1.09 t/MWh) is above it.
    assert [(r["metric_slug"], r["reading"]) for r in rows] == [("test-hydro/co2", "as stated")]
    explanation = json.loads(str(rows[0]["explanation_json"]))
    assert explanation["inputs"][0]["name"] == "claim"
    assert explanation["ladder"]["implied"]["value"] == pytest.approx(3.5e6 / 3.206e6)
    # A new claim value recomputes that project's checks; nothing is left over.
    path = mini / "projects" / "test-hydro.yaml"
    path.write_text(path.read_text().replace("value: 3.5,", "value: 1.04,"))
    load_paths(engine, [mini])
    rows = _rows(engine)
    assert len(rows) == 1
    explanation = json.loads(str(rows[0]["explanation_json"]))
    assert explanation["ladder"]["implied"]["value"] == pytest.approx(1.04e6 / 3.206e6)


def test_checks_in_chunks_give_the_same_rows(
    engine: Engine, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_paths(engine, [mini])
    in_one_chunk = _rows(engine)
    assert in_one_chunk
    monkeypatch.setattr(store, "CHUNK", 1)  # one project per chunk, as a 100k load's chunks
    with engine.begin() as conn:
        c.refresh_claim_checks(conn, {"test-hydro", "test-wind"})
    assert _rows(engine) == in_one_chunk


# ---------------------------------------------------------------- the seed's worked cases


@pytest.fixture(scope="module")
def seed_session(seeded_url: str):  # type: ignore[no-untyped-def]
    engine = build_engine(Settings(database_url=seeded_url))
    with Session(engine) as session:
        yield session
    engine.dispose()


def _check(session: Session, metric: str, reading: str | None = None):  # type: ignore[no-untyped-def]
    project = metric.split("/", 1)[0]
    checks = [
        x for x in checks_for_project(session, slug=project).checks if x.metric_slug == metric
    ]
    if reading is not None:
        checks = [x for x in checks if x.reading == reading]
    assert checks, f"no check of {metric} ({reading})"
    return checks[0]


def test_seed_karot(seed_session: Session) -> None:
    """The worked case: about 3.5 Mt a year on about 3.2 TWh implies about 1.09 t/MWh, above
    every rung of Pakistan's ladder, coal included."""
    ctg = _check(seed_session, "karot-hydropower/co2-ctg-press-release-2022")
    assert ctg.verdict == Verdict.above_range and ctg.verdict_label == "above range"
    assert ctg.ladder is not None
    assert ctg.ladder["implied"]["value"] == pytest.approx(3.5 / 3.2, rel=1e-6)  # 1.094
    assert ctg.verdict_text and ctg.verdict_text.startswith(
        "exceeds every recognised baseline, including coal"
    )
    rungs = {r["key"]: r for r in ctg.ladder["rungs"]}
    assert rungs["ifi-cm"]["value"] == pytest.approx(0.386)
    assert rungs["ifi-om"]["value"] == pytest.approx(0.592)
    assert rungs["coal"]["high"] == pytest.approx(0.91)
    assert 0.39 < rungs["grid-average"]["low"] < rungs["grid-average"]["high"] < 0.44
    assert all(r["position"] == "above" for r in ctg.ladder["rungs"])
    sources = {i.source_slug for i in ctg.inputs}
    assert {
        "k12-ctg-karot-full-operation-2022",
        "owid-ember-ei-carbon-intensity-electricity",
        "ifi-default-grid-factors-v3-1-2021",
        "ipcc-ar5-wg3-annex-iii-2014",
    } <= sources
    assert all(i.source_title for i in ctg.inputs)


def test_seed_china_laos(seed_session: Session) -> None:
    check = _check(seed_session, "china-laos-railway/co2-reduced-glen-2025")
    assert check.check_name == "freight"
    assert check.verdict == Verdict.consistent
    assert check.reading == "cumulative"  # the 46.5 Mt of its own statement is cumulative
    # Road factors paired with rail by scope: the well-to-wheel UK HGV factor is left out.
    assert check.expected_high == pytest.approx(46.55e6 * 1035 * (123.66 - 11.3) / 1e6)
    assert any(f["name"] == "scope" and "incl-indirect" in f["text"] for f in check.findings)
    assert "period not stated: annual or cumulative?" in check.ambiguities
    assert any(r["reading"] == "annual" for r in check.other_readings)
    assert any("no freight factor for CHN, LAO" in note for note in check.ambiguities)


def test_seed_jakarta_bandung_lifecycle_not_checkable(seed_session: Session) -> None:
    check = _check(seed_session, "jakarta-bandung-hsr/lifecycle-reduction-glen-2025")
    assert check.verdict == Verdict.not_checkable
    assert "baseline" in (check.missing or "")
    assert any("lifecycle" in note for note in check.ambiguities)


def test_seed_mozura_has_no_claim_but_an_expected_range(seed_session: Session) -> None:
    result = checks_for_project(seed_session, slug="mozura-wind-park")
    assert result.checks == []
    assert result.no_claim and "No emission claim" in result.no_claim
    expected = result.expected_without_claim
    assert expected is not None
    # The latest two years of Montenegro's average grid (OWID), their spread the range.
    assert 0 < expected.low < expected.high
    assert expected.low >= 100_000 * 0.2 and expected.high <= 112_000 * 0.7
    assert any(
        i.source_slug == "owid-ember-ei-carbon-intensity-electricity" for i in expected.inputs
    )


def test_every_seed_emission_claim_has_a_check(seed_session: Session) -> None:
    metric = m.Metric.__table__  # type: ignore[attr-defined]
    conn = seed_session.connection()
    kinds = [k.value for k in c.CHECKED_KINDS]
    claims = set(conn.execute(select(metric.c.slug).where(metric.c.kind.in_(kinds))).scalars())
    checked = {x.metric_slug for x in all_checks(seed_session)}
    assert claims and claims == checked
    for check in all_checks(seed_session):
        assert check.arithmetic or check.missing
        assert check.has_source


def test_chart_has_only_annual_tonnes(seed_session: Session) -> None:
    checks = all_checks(seed_session)
    figure = claimed_vs_expected_figure(checks)
    expected_trace, claimed_trace = figure["data"]
    labels = list(claimed_trace["text"])
    assert any("co2-ctg-press-release-2022" in label for label in labels)
    assert not any("reduction" in label or "intensity" in label for label in labels)
    karot = labels.index(next(x for x in labels if "co2-ctg-press-release-2022" in x))
    assert claimed_trace["x"][karot] == pytest.approx(3.5e6)
    # The expected range runs from the lowest to the highest recognised baseline.
    low, high = expected_trace["customdata"][karot]
    assert low < 3.2e6 * 0.45 and 3.2e6 * 0.9 < high < 3.5e6
    assert figure["layout"]["xaxis"]["title"]["text"] == "t CO2 per year"


def test_macros_render_badge_explanation_findings_and_ladder(seed_session: Session) -> None:
    render = templates.env.from_string(
        '{% from "_macros/checks.html" import project_checks %}{{ project_checks(pc) }}'
    ).render
    page = render(pc=checks_for_project(seed_session, slug="karot-hydropower"))
    assert 'class="verdict verdict--above-range"' in page
    assert "Exceeds every recognised baseline, including coal" in page
    assert 'class="check__ladder"' in page and "IFI operating margin" in page
    assert "style=" not in page and "<script" not in page
    jakarta = render(pc=checks_for_project(seed_session, slug="jakarta-bandung-hsr"))
    assert "finding finding--blocking" in jakarta and "unit slip" in jakarta
    assert "Internal arithmetic" in jakarta
    mozura = render(pc=checks_for_project(seed_session, slug="mozura-wind-park"))
    assert "no claim" in mozura and "t/yr" in mozura


def test_claim_check_rows_only_for_checked_kinds(seed_session: Session) -> None:
    conn = seed_session.connection()
    total = conn.execute(select(func.count()).select_from(CC)).scalar()
    kinds = conn.execute(
        text(
            "SELECT DISTINCT metric.kind FROM claim_check"
            " JOIN metric ON metric.slug = claim_check.metric_slug"
        )
    ).scalars()
    assert total and set(kinds) <= {k.value for k in c.CHECKED_KINDS}
