"""The checks per kind of claim, each a pure function: a claim, the project's activity figures and
sourced reference factors in, a CheckResult out. Power claims are placed on the baseline ladder
(app/checks/power.py); `check_power` (generation × one grid factor) remains for the expected
figure of a power project that has no claim."""

from __future__ import annotations

from collections.abc import Sequence

from app.checks.constants import UNSTATED_BASELINES
from app.checks.ranges import (
    Claim,
    Factor,
    Quantity,
    Range,
    factor_range,
    half_unit,
    quantity_range,
)
from app.checks.results import (
    CheckResult,
    claim_input,
    claim_line,
    factor_inputs,
    not_checkable,
    quantity_input,
    verdict_for,
)
from app.models import MetricKind, Verdict
from app.units import format_number as fmt


def check_power(
    claim: Claim,
    generation: Sequence[Quantity],
    grid: Sequence[Factor],
    *,
    reading: str = "grid average",
    factor_name: str = "grid emission factor",
    missing_factor: str = "a sourced grid emission factor for the project's country",
) -> CheckResult:
    """Power: generation (MWh) x grid factor (t CO2/MWh) of the displaced grid.

    Expected tonnes = generation low..high x factor low..high. With no generation figure or no
    factor the claim is not checkable, and the result names what is missing.
    """
    name = "power"
    if not generation:
        return not_checkable(
            name,
            reading,
            "generation (MWh) for the same period as the claim",
            inputs=[claim_input(claim)],
        )
    factors, notes = factor_range(grid, "t/MWh", factor_name)
    if factors is None:
        return not_checkable(
            name, reading, missing_factor, inputs=[claim_input(claim)], ambiguities=notes
        )
    gen = quantity_range(generation, "generation")
    expected = Range(
        gen.low * factors.low,
        gen.high * factors.high,
        "t",
        f"{gen.how}; {factors.how}",
        gen.lo * factors.lo,
        gen.hi * factors.hi,
    )
    verdict, ratio = verdict_for(claim, expected)
    lines = [
        f"generation {fmt(gen.low)}–{fmt(gen.high)} MWh × {factor_name} "
        f"{factors.low:.4g}–{factors.high:.4g} t CO2/MWh",
        f"= {fmt(expected.low)}–{fmt(expected.high)} t CO2 expected (middle {fmt(expected.mid)} t)",
        claim_line(claim, ratio, expected),
    ]
    inputs = [
        claim_input(claim),
        *(quantity_input("generation", q) for q in generation),
        *factor_inputs(factor_name, grid, "t/MWh"),
    ]
    return CheckResult(name, reading, verdict, expected, ratio, None, inputs, lines, notes)


def mode_gap(road: Range, rail: Range) -> Range:
    """How much less rail emits than the displaced mode, per unit of work (never below zero)."""
    low = max(road.low - rail.high, 0.0)
    high = max(road.high - rail.low, 0.0)
    loose = (max(road.lo - rail.hi, 0.0), max(road.hi - rail.lo, 0.0))
    return Range(low, high, road.unit, f"{road.how}; {rail.how}", *loose)


def implied_haul_km(claim_t: float, tonnes: float, gap: Range) -> tuple[float, float] | None:
    """The reverse freight check: the average haul (km) a CO2 claim implies.

    claim (t) / (tonnes x gap (g/tkm) / 1e6) for the largest and smallest gap. None when there
    is no cargo or no gap to divide by.
    """
    if tonnes <= 0 or gap.high <= 0:
        return None
    shortest = claim_t * 1e6 / (tonnes * gap.high)
    longest = claim_t * 1e6 / (tonnes * gap.low) if gap.low > 0 else float("inf")
    return shortest, longest


def check_transport(
    claim: Claim,
    activity: Sequence[Quantity],
    line_km: Quantity | None,
    displaced: Sequence[Factor],
    rail: Sequence[Factor],
    *,
    freight: bool,
    reading: str = "as stated",
) -> CheckResult:
    """Freight or passengers: work x (displaced-mode factor - rail factor).

    Work is tonne-km (passenger-km) when the project states it; otherwise tonnes (trips) x the
    average haul (trip). No average haul is sourced, so it can be anything from 0 to the line's
    length: the expected range runs from 0 to the full-length figure. For freight the reverse is
    also given: the average haul the claim implies, compared with the line's length.
    """
    name = "freight" if freight else "passengers"
    work_unit, count_unit = ("tkm", "t") if freight else ("pkm", "passengers")
    mode_name = "road" if freight else "displaced mode"
    per = "g/tkm" if freight else "g/pkm"
    base = [claim_input(claim)]
    if not activity:
        what = "tonnes of cargo" if freight else "passenger numbers"
        return not_checkable(name, reading, f"{what} for the same period as the claim", inputs=base)
    road_range, notes = factor_range(displaced, per, f"{mode_name} factor")
    rail_range, rail_notes = factor_range(rail, per, "rail factor")
    notes += rail_notes
    if road_range is None or rail_range is None:
        which = mode_name if road_range is None else "rail"
        return not_checkable(
            name,
            reading,
            f"a sourced {which} emission factor ({per})",
            inputs=base,
            ambiguities=notes,
        )
    gap = mode_gap(road_range, rail_range)
    work = quantity_range(activity, "activity")
    inputs = [*base, *(quantity_input("activity", q) for q in activity)]
    lines = [
        f"{mode_name} {road_range.low:.4g}–{road_range.high:.4g} {per} − rail "
        f"{rail_range.low:.4g}–{rail_range.high:.4g} {per} = {gap.low:.4g}–{gap.high:.4g} {per}",
    ]
    if work.unit.startswith(work_unit):
        low_work, high_work = work.low, work.high
        loose_work = (work.lo, work.hi)
        lines.append(f"{fmt(low_work)}–{fmt(high_work)} {work_unit} × gap")
    else:
        if line_km is None or line_km.value <= 0:
            return not_checkable(
                name,
                reading,
                f"the line's length (km) to bound the average {'haul' if freight else 'trip'}",
                inputs=inputs,
                ambiguities=notes,
            )
        inputs.append(quantity_input("line length", line_km))
        low_work, high_work = 0.0, work.high * line_km.value
        loose_work = (0.0, work.hi * (line_km.value + half_unit(line_km.value)))
        lines.append(
            f"{fmt(work.low)}–{fmt(work.high)} {count_unit} × average "
            f"{'haul' if freight else 'trip'} 0–{fmt(line_km.value)} km (no sourced average; "
            f"at most the line's length) = 0–{fmt(high_work)} {work_unit}"
        )
    expected = Range(
        low_work * gap.low / 1e6,
        high_work * gap.high / 1e6,
        "t",
        f"{work.how}; {gap.how}",
        loose_work[0] * gap.lo / 1e6,
        loose_work[1] * gap.hi / 1e6,
    )
    verdict, ratio = verdict_for(claim, expected)
    lines.append(
        f"= {fmt(expected.low)}–{fmt(expected.high)} t CO2 expected (middle {fmt(expected.mid)} t)"
    )
    lines.append(claim_line(claim, ratio, expected))
    if freight and not work.unit.startswith(work_unit) and line_km is not None:
        haul = implied_haul_km(claim.value, work.high, gap)
        if haul is not None:
            longest = "∞" if haul[1] == float("inf") else fmt(haul[1])
            lines.append(
                f"reverse: {fmt(claim.value)} t ÷ ({fmt(work.high)} t × {gap.low:.4g}–"
                f"{gap.high:.4g} g/tkm) = average haul {fmt(haul[0])}–{longest} km, against a "
                f"line of {fmt(line_km.value)} km"
            )
    inputs += [
        *factor_inputs(f"{mode_name} factor", displaced, per),
        *factor_inputs("rail factor", rail, per),
    ]
    return CheckResult(name, reading, verdict, expected, ratio, None, inputs, lines, notes)


def check_percentage(
    claim: Claim,
    baseline: Sequence[Factor],
    project: Sequence[Factor],
    *,
    unit: str,
    baseline_name: str,
    reading: str = "as stated",
) -> CheckResult:
    """Percentages: a reduction is checkable only against a stated baseline.

    Expected reduction = 1 - project-mode factor / baseline factor, from the low and high ends
    of both ranges. Without a stated baseline, or without sourced factors for both sides, the
    claim is not checkable and the result says which.
    """
    name = "percentage"
    base = [claim_input(claim)]
    if not claim.baseline or claim.baseline.strip().lower() in UNSTATED_BASELINES:
        return not_checkable(
            name,
            reading,
            f"the baseline: {fmt(claim.value)}% lower than what is not stated",
            inputs=base,
        )
    base_range, notes = factor_range(baseline, unit, f"{baseline_name} factor")
    proj_range, proj_notes = factor_range(project, unit, "project-mode factor")
    notes += proj_notes
    if base_range is None or proj_range is None or base_range.high <= 0:
        return not_checkable(
            name,
            reading,
            f"sourced emission factors for the baseline ({claim.baseline!r}) "
            "and for the project's mode",
            inputs=base,
            ambiguities=notes,
        )
    low = max(0.0, 1 - proj_range.high / base_range.low) * 100 if base_range.low > 0 else 0.0
    high = max(0.0, 1 - proj_range.low / base_range.high) * 100
    loose_low = max(0.0, 1 - proj_range.hi / base_range.lo) * 100 if base_range.lo > 0 else 0.0
    loose_high = max(0.0, 1 - proj_range.lo / base_range.hi) * 100
    how = f"{base_range.how}; {proj_range.how}"
    expected = Range(low, high, "%", how, loose_low, loose_high)
    verdict, ratio = verdict_for(claim, expected)
    lines = [
        f"1 − project mode {proj_range.low:.4g}–{proj_range.high:.4g} {unit} ÷ "
        f"{baseline_name} {base_range.low:.4g}–{base_range.high:.4g} {unit}",
        f"= {low:.1f}–{high:.1f} % lower expected (middle {expected.mid:.1f} %)",
        claim_line(claim, ratio, expected),
    ]
    inputs = [
        *base,
        *factor_inputs(f"{baseline_name} factor", baseline, unit),
        *factor_inputs("project-mode factor", project, unit),
    ]
    return CheckResult(name, reading, verdict, expected, ratio, None, inputs, lines, notes)


def check_intensity(
    claim: Claim, factors: Sequence[Factor], *, mode_name: str, reading: str = "as stated"
) -> CheckResult:
    """Intensities: a stated g CO2 per passenger-km (tonne-km) against sourced factors of the
    same mode."""
    name = "intensity"
    rng, notes = factor_range(factors, claim.unit, f"{mode_name} factor")
    if rng is None:
        return not_checkable(
            name,
            reading,
            f"a sourced {mode_name} factor in {claim.unit}",
            inputs=[claim_input(claim)],
            ambiguities=notes,
        )
    verdict, ratio = verdict_for(claim, rng)
    lines = [
        f"sourced {mode_name} factors {rng.low:.4g}–{rng.high:.4g} {claim.unit} "
        f"(middle {rng.mid:.4g})",
        claim_line(claim, ratio, rng),
    ]
    inputs = [claim_input(claim), *factor_inputs(f"{mode_name} factor", factors, claim.unit)]
    return CheckResult(name, reading, verdict, rng, ratio, None, inputs, lines, notes)


def expected_power(generation: Sequence[Quantity], grid: Sequence[Factor]) -> CheckResult | None:
    """Expected avoided CO2 of a power project that has no CO2 claim (shown, not judged)."""
    if not generation:
        return None
    probe = Claim("", MetricKind.emissions_avoided, 0.0, "t", "")
    result = check_power(probe, generation, grid)
    if result.expected is None:
        return None
    result.verdict = Verdict.not_checkable
    result.ratio = None
    result.missing = "a CO2 claim: no source read states one"
    result.inputs = [i for i in result.inputs if i["name"] != "claim"]
    result.arithmetic = result.arithmetic[:-1]
    return result
