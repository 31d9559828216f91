"""The baseline ladder, the sanity findings and the grid-factor import: pure checks with small
in-test factors, then the published dataset files of seed/reference/emission-factors/."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app import checks as c
from app.checks import reference_data as rd
from app.checks import sanity
from app.checks.ladder import average_years
from app.loader import load_paths
from app.models import MetricKind, Period, Qualifier, Verdict

DATASETS = Path(__file__).parent.parent / "seed" / "reference" / "emission-factors"
OWID = DATASETS / rd.OWID_FILE
IFI = DATASETS / rd.IFI_FILE


def grid(
    slug: str,
    value: float,
    *,
    mode: str | None = None,
    country: str | None = "PAK",
    year: int | None = 2022,
    unit: str = "g/kWh",
    **kw,
) -> c.Factor:  # type: ignore[no-untyped-def]
    return c.Factor(
        slug, "grid", value, unit, f"src-{slug}", country=country, mode=mode, year=year, **kw
    )


# Pakistan's ladder as the datasets give it (OWID 2022-2024; IFI v3.1) and the IPCC fuels.
PAK = [
    grid("avg-2021", 462.90802, year=2021),
    grid("avg-2022", 436.58423, year=2022),
    grid("avg-2023", 425.68472, year=2023),
    grid("avg-2024", 398.6102, year=2024),
    grid("cm-firm", 386, mode="ifi-cm-firm", year=2021),
    grid("cm-int", 515, mode="ifi-cm-intermittent", year=2021),
    grid("om", 592, mode="ifi-om", year=2021),
    grid("coal", 0.82, mode="coal", country=None, year=2014, unit="t/MWh", low=0.74, high=0.91),
    grid("gas", 0.49, mode="gas-cc", country=None, year=2014, unit="t/MWh", low=0.41, high=0.65),
    grid(
        "diesel", 0.702, mode="diesel", country=None, year=2006, unit="t/MWh", low=0.593, high=0.702
    ),
]


def claim(value: float, **kw) -> c.Claim:  # type: ignore[no-untyped-def]
    kw.setdefault("kind", MetricKind.emissions_avoided)
    kw.setdefault("unit", "t")
    kw.setdefault("period", Period.annual)
    return c.Claim("p/co2", value=value, source_slug="src-claim", **kw)


def gen(value: float) -> c.Quantity:
    return c.Quantity(value, "MWh/yr", "MWh/yr", "src-gen", "p/generation")


def power(value: float, generation: float, *, technology: str = "hydro", **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("year", 2022)
    return c.check_power_claim(
        claim(value, **kw),
        [gen(generation)],
        PAK,
        countries=["PAK"],
        technology=technology,
        capacity_mw=720.0,
    )


# ---------------------------------------------------------------- the worked case


def test_karot_exceeds_every_recognised_baseline() -> None:
    """About 3.5 Mt a year on about 3.2 TWh: 1.09 t/MWh, above the grid average (~0.40-0.44),
    the IFI combined margin for firm generation (0.386) and operating margin (0.592), and coal
    (IPCC median 0.82, max 0.91)."""
    result = power(3.5e6, 3.2e6, qualifier=Qualifier.about, baseline="coal-fired generation")
    ladder = result.ladder
    assert ladder is not None
    implied = ladder["implied"]
    assert implied["value"] == pytest.approx(1.09375)
    assert implied["low"] == pytest.approx(3.45e6 / 3.25e6)  # rounding of both figures
    assert implied["high"] == pytest.approx(3.55e6 / 3.15e6)
    rungs = {r["key"]: r for r in ladder["rungs"]}
    assert rungs["grid-average"]["year"] == "2022–2024"
    assert (rungs["grid-average"]["low"], rungs["grid-average"]["high"]) == pytest.approx(
        (0.3986102, 0.43658423)
    )
    assert rungs["ifi-cm"]["name"] == "IFI combined margin for firm generation"
    assert rungs["ifi-cm"]["value"] == pytest.approx(0.386)
    assert rungs["ifi-om"]["value"] == pytest.approx(0.592)
    assert (rungs["coal"]["value"], rungs["coal"]["high"]) == pytest.approx((0.82, 0.91))
    assert all(r["position"] == "above" for r in ladder["rungs"])
    assert result.verdict == Verdict.above_range
    assert ladder["verdict_text"].startswith("exceeds every recognised baseline, including coal")
    assert "the claim names coal as its baseline: above it" in ladder["verdict_text"]
    for rung in ladder["rungs"]:  # every rung has its sources and year, and width
        assert rung["source_slugs"] and rung["year"] and rung["low"] < rung["high"]
    assert any("capacity factor" in line and "49.9–51.5 %" in line for line in result.arithmetic)


def test_wind_uses_the_intermittent_margin_and_names_what_it_is_consistent_with() -> None:
    result = power(1_271.0, 2_468.0, technology="wind")  # 0.515 t/MWh
    assert result.ladder is not None
    keys = {r["key"]: r for r in result.ladder["rungs"]}
    assert keys["ifi-cm"]["name"] == "IFI combined margin for intermittent generation"
    text = result.ladder["verdict_text"]
    assert text.startswith("consistent with the ")
    assert "IFI combined margin" in text and "gas combined cycle" in text
    assert "above the grid average ×1.2" in text
    assert result.verdict == Verdict.consistent


def test_consistent_only_with_diesel_and_below_every_baseline() -> None:
    only_fuel = power(701_234.0, 1_000_123.0)  # 0.70 t/MWh: diesel (to 0.702) and coal
    assert only_fuel.ladder is not None
    assert only_fuel.ladder["verdict_text"].startswith("consistent only with displacing")
    low = power(300.0, 1.0e6)  # 0.0003 t/MWh: ~10^3 below every baseline -> unit slip
    assert low.verdict == Verdict.not_checkable
    assert [f["name"] for f in low.findings] == ["magnitude"]
    assert low.ratio is None
    below = power(150_000.0, 1.0e6)  # 0.15 t/MWh: below, but not a slip
    assert below.verdict == Verdict.below_range
    assert below.ladder["verdict_text"].startswith("below every recognised baseline")  # type: ignore[index]


def test_qualifiers_shape_the_implied_range() -> None:
    over = power(53_000.0, 100_000.0, qualifier=Qualifier.over)
    assert over.ladder is not None and over.ladder["implied"]["high"] is None  # no upper bound
    up_to = power(53_000.0, 100_000.0, qualifier=Qualifier.up_to)
    assert up_to.ladder is not None and up_to.ladder["implied"]["low"] == 0
    almost = power(4e6, 3.2e6, qualifier=Qualifier.almost)  # "almost 4 Mt": 3.95..4 Mt
    assert almost.ladder is not None
    assert almost.ladder["implied"]["low"] == pytest.approx(3.95e6 / 3.25e6)
    assert almost.ladder["implied"]["high"] == pytest.approx(4e6 / 3.15e6)


def test_no_generation_still_gives_the_ladder_and_names_what_is_missing() -> None:
    result = c.check_power_claim(claim(1.0), [], PAK, countries=["PAK"], technology="hydro")
    assert result.verdict == Verdict.not_checkable
    assert "generation" in (result.missing or "")
    assert result.ladder is not None and result.ladder["implied"] is None
    assert len(result.ladder["rungs"]) == 6


def test_grid_average_years() -> None:
    years = list(range(2000, 2025))
    assert average_years(years, 2022) == ([2022, 2023, 2024], None)
    assert average_years(years, 2024) == ([2023, 2024], None)  # at least two years
    chosen, note = average_years(years, 2026)
    assert chosen == [2023, 2024] and "nearest year, 2024" in (note or "")
    chosen, note = average_years(years, None)
    assert chosen == [2023, 2024] and "not known" in (note or "")


def test_capacity_factor_beyond_the_plant_is_blocking() -> None:
    result = power(10.123e6, 7.123e6)  # 7.123 TWh on 720 MW = 113 %
    assert result.verdict == Verdict.not_checkable
    assert any(f["name"] == "physical limit" and "113 %" in f["text"] for f in result.findings)


def test_a_grid_average_above_coal_is_flagged_as_doubtful() -> None:
    uzb = [grid("avg-uzb", 1121.18, country="UZB", year=2023), *PAK[4:]]
    uzb = [
        f if f.country != "PAK" else grid(f.slug, f.value, mode=f.mode, country="UZB") for f in uzb
    ]
    result = c.check_power_claim(
        claim(1_234.0, year=2023), [gen(2_345.0)], uzb, countries=["UZB"], technology="wind"
    )
    assert [f["name"] for f in result.findings] == ["reference data"]
    assert "above even coal" in result.findings[0]["text"]
    assert result.verdict == Verdict.consistent  # a warning: the verdict stands


# ---------------------------------------------------------------- sanity findings


def test_magnitude_flags_thousandfold_slips_only() -> None:
    ref = c.Range(170.0, 171.0, "g/pkm", "cars")
    slip = sanity.magnitude(c.Range(0.145, 0.155, "g/pkm", ""), ref, what="x", against="cars")
    assert slip is not None and slip["severity"] == "blocking" and "10^3" in slip["text"]
    far = sanity.magnitude(c.Range(12.0, 13.0, "g/pkm", ""), ref, what="x", against="cars")
    assert far is None  # 13x off is not a unit slip
    fine = sanity.magnitude(c.Range(100.0, 120.0, "g/pkm", ""), ref, what="x", against="cars")
    assert fine is None


def test_percentage_arithmetic_recomputed_from_the_stated_intensities() -> None:
    """Whoosh 6.9 and private vehicles 12.7 g/pkm give 45.7 %, not the 54 % stated beside them."""
    pct = claim(54.0, kind=MetricKind.emissions_reduction_pct, unit="%")
    ours = claim(6.9, kind=MetricKind.emission_intensity, unit="g/pkm")
    theirs = claim(12.7, kind=MetricKind.emission_intensity, unit="g/pkm", baseline="cars")
    found = sanity.percentage_arithmetic(pct, [ours], [theirs])
    assert found is not None and "45.7 %" in found["text"]
    right = claim(45.7, kind=MetricKind.emissions_reduction_pct, unit="%")
    assert sanity.percentage_arithmetic(right, [ours], [theirs]) is None


def test_electrification_of_an_existing_line_is_not_a_modal_shift() -> None:
    project = c.ProjectData("sgr", "rail-freight-passenger", "transport", countries=["KEN"])
    project.activity[MetricKind.freight] = [(gen(6e6), Period.annual, None)]
    stated = claim(
        53_000.0,
        qualifier=Qualifier.over,
        baseline="current diesel traction (hypothetical full electrification)",
    )
    [result] = c.checks_for_claim(stated, project, [])
    assert result.verdict == Verdict.not_checkable
    assert result.findings[0]["name"] == "scope" and "electrifying" in result.findings[0]["text"]


def test_transport_factors_are_paired_by_scope() -> None:
    def f(slug: str, mode: str, scope: str | None) -> c.Factor:
        return c.Factor(slug, "freight", 100.0, "g/tkm", "s", mode=mode, scope=scope)

    road = [f("direct", "road", "direct"), f("wtw", "road", "well_to_wheel"), f("nl", "road", None)]
    rail = [f("rail", "rail", None)]
    kept_road, kept_rail, findings = sanity.paired_by_scope(road, rail)
    assert [x.slug for x in kept_road] == ["direct", "nl"] and kept_rail == rail
    assert "wtw" in findings[0]["text"]


def test_record_mismatch_names_another_capacity() -> None:
    stage = claim(1.0, note="For the 700 MW stage only")
    found = sanity.record_mismatch(stage, 950.0, 2023)
    assert found and "700 MW" in found[0]["text"] and "950 MW" in found[0]["text"]
    assert sanity.record_mismatch(claim(1.0, note="the 950 MW plant"), 950.0, 2023) == []


# ---------------------------------------------------------------- the datasets


def test_country_names_map_to_iso3_with_the_listed_exceptions() -> None:
    assert rd.iso3_for_name("Pakistan") == ("PAK", None)
    assert rd.iso3_for_name("China (PRC and Hong Kong)")[0] == "CHN"
    assert rd.iso3_for_name("Lao People's Democratic Republic")[0] == "LAO"
    assert rd.iso3_for_name("Vanatu") == rd.IFI_NAME_EXCEPTIONS["Vanatu"]
    assert rd.iso3_for_name("Sint Martin (Netherlands)")[0] == "SXM"
    assert rd.iso3_for_name("Kosovo")[0] is None
    skipped = dict(rd.skipped_ifi_names(IFI))
    # Everything not imported is on the explicit list, with its reason.
    assert set(skipped) <= set(rd.IFI_NAME_EXCEPTIONS)
    assert set(skipped) == {k for k, (iso, _why) in rd.IFI_NAME_EXCEPTIONS.items() if iso is None}


def test_ifi_rows_are_the_published_figures() -> None:
    rows = {data["slug"]: data for _record, data in rd.ifi_rows(IFI)}
    assert rows["grid-ifi-cm-firm-pak-2021"]["value"] == "386"
    assert rows["grid-ifi-cm-intermittent-ken-2021"]["value"] == "462"
    assert rows["grid-ifi-om-ken-2021"]["value"] == "574"
    assert len({d["country"] for d in rows.values()}) >= 220
    assert all(d["origin"] == "dataset" and d["unit"] == "g/kWh" for d in rows.values())


def test_owid_rows_skip_aggregates() -> None:
    rows = [data for _record, data in rd.owid_rows(OWID)]
    slugs = {d["slug"] for d in rows}
    assert "grid-average-pak-2023" in slugs
    pak = next(d for d in rows if d["slug"] == "grid-average-pak-2023")
    assert pak["value"] == "425.68472" and pak["year"] == "2023"
    assert not any(d["country"].startswith("OWID") for d in rows)
    assert len(rows) > 4000


def test_dataset_files_are_the_shared_copies_unchanged() -> None:
    here = Path(__file__).resolve()
    candidates = [p / "shared" / "reference" / "emission-factors" for p in here.parents[1:4]]
    shared = next((p for p in candidates if p.exists()), None)
    if shared is None:
        pytest.skip("no shared/ reference copy beside this clone (CI)")
    for name in (rd.OWID_FILE, rd.IFI_FILE):
        assert (DATASETS / name).read_bytes() == (shared / name).read_bytes()


def test_loading_a_dataset_file_imports_its_factors_with_their_source(engine: Engine) -> None:
    """`bri-tracker load` of the IFI file alone: every country's three margins, one source."""
    summary = load_paths(engine, [IFI])
    imported = len(list(rd.ifi_rows(IFI)))
    assert summary.counts["reference_factors"] == imported >= 3 * 220
    with engine.connect() as conn:
        source = conn.execute(
            text("SELECT title, note FROM source WHERE slug = :s"), {"s": rd.IFI_SOURCE}
        ).one()
        pak = conn.execute(
            text(
                "SELECT value, unit, year, origin, source_slug FROM reference_factor "
                "WHERE slug = 'grid-ifi-cm-firm-pak-2021'"
            )
        ).one()
    assert "IFI Dataset of Default Grid Factors v3.1" in source.title
    assert "retrieved 2025" in source.note
    assert tuple(pak) == (386.0, "g/kWh", 2021, "dataset", rd.IFI_SOURCE)
    load_paths(engine, [IFI])  # a reload upserts the same rows
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM reference_factor")).scalar()
    assert count == summary.counts["reference_factors"]
