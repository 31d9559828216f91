"""Plausibility checks of emission claims.

Each check is a pure function: a claim, the project's own activity figures and sourced reference
factors in, a `CheckResult` out (verdict, expected range, ratio, the arithmetic as text and every
input with its source). `refresh_claim_checks` is the only part that touches the database: the
loader calls it inside its transaction and works in chunks of projects: three set-based queries
per chunk, never a query per project, and memory bounded by one chunk.
"""

from __future__ import annotations

import gc
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Protocol

import orjson
import pint
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from app import models as m
from app.models import MetricKind, Period, Qualifier, Verdict
from app.units import UREG

CHECKED_KINDS = (
    MetricKind.emissions_avoided,
    MetricKind.emissions_reduction_pct,
    MetricKind.emission_intensity,
)
ACTIVITY_KINDS = (MetricKind.generation, MetricKind.freight, MetricKind.passengers)
UNSTATED_BASELINES = {"", "not stated", "unspecified", "none", "n/a", "unknown"}
# Displaced passenger modes named in a baseline, and the reference-factor modes that stand for
# them. Cars: conventional (petrol, diesel) cars, the mode a new line draws drivers from.
PASSENGER_BASELINES: dict[str, tuple[str, ...]] = {
    "car": ("car-petrol", "car-diesel"),
    "private vehicle": ("car-petrol", "car-diesel"),
    "flight": ("domestic-flight", "short-haul-flight"),
    "air": ("domestic-flight", "short-haul-flight"),
    "coach": ("coach",),
    "bus": ("bus",),
}
RAIL_PASSENGER_PREFIX = "rail"
RAIL_TECHNOLOGIES = {"rail-freight-passenger", "high-speed-rail", "urban-rail"}
FRACTION_DIGITS = 3


# ---------------------------------------------------------------- inputs and results


@dataclass(frozen=True)
class Quantity:
    """An activity figure or claim value with where it came from."""

    value: float
    unit: str
    label: str
    source_slug: str | None = None
    ref: str | None = None  # metric or factor slug


@dataclass(frozen=True)
class Factor:
    """A sourced reference emission factor (as in the reference_factor table)."""

    slug: str
    kind: str
    value: float
    unit: str
    source_slug: str
    country: str | None = None
    mode: str | None = None
    low: float | None = None
    high: float | None = None
    year: int | None = None


@dataclass(frozen=True)
class Claim:
    """An emission claim: a metric of a checked kind, value in its canonical unit."""

    slug: str
    kind: MetricKind
    value: float
    unit: str
    source_slug: str
    value_high: float | None = None
    qualifier: Qualifier = Qualifier.exact
    period: Period = Period.unspecified
    baseline: str | None = None
    scope: m.Scope = m.Scope.unspecified
    statement_slug: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Range:
    """A low..high range of one quantity, with how it was formed."""

    low: float
    high: float
    unit: str
    how: str
    # The same range with every stated figure allowed its rounding (350 million = 345..355
    # million); verdicts use it so a claim is not "above range" by a rounding difference.
    loose_low: float | None = None
    loose_high: float | None = None

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    @property
    def lo(self) -> float:
        return self.low if self.loose_low is None else min(self.loose_low, self.low)

    @property
    def hi(self) -> float:
        return self.high if self.loose_high is None else max(self.loose_high, self.high)


def half_unit(value: float) -> float:
    """Half a unit in the last significant digit of a figure: 289,000 -> 500, 3.5e6 -> 50,000,
    0.4406 -> 0.00005. Trailing zeros count as rounding, as they usually are in claims."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    mantissa, exponent = f"{abs(value):.9e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    return 0.5 * 10 ** (int(exponent) - len(digits) + 1)


@dataclass
class CheckResult:
    """The outcome of one check under one reading of the claim's wording."""

    check_name: str
    reading: str
    verdict: Verdict
    expected: Range | None = None
    ratio: float | None = None
    missing: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    arithmetic: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)
    other_readings: list[dict[str, Any]] = field(default_factory=list)

    def explanation(self) -> dict[str, Any]:
        """What the page shows under the badge (stored as JSON)."""
        return {
            "inputs": self.inputs,
            "arithmetic": self.arithmetic,
            "ambiguities": self.ambiguities,
            "other_readings": self.other_readings,
            "how": self.expected.how if self.expected else None,
        }

    def summary(self) -> dict[str, Any]:
        """A short form, used to report a reading that was not stored on its own."""
        return {
            "reading": self.reading,
            "verdict": self.verdict.value,
            "expected_low": self.expected.low if self.expected else None,
            "expected_high": self.expected.high if self.expected else None,
            "expected_unit": self.expected.unit if self.expected else None,
            "ratio": self.ratio,
            "missing": self.missing,
        }


def fmt(value: float) -> str:
    """A number for the arithmetic lines: thousands separated, at most 4 significant digits."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def not_checkable(check_name: str, reading: str, missing: str, **extra: Any) -> CheckResult:
    """A result that names the input the check lacks."""
    return CheckResult(check_name, reading, Verdict.not_checkable, missing=missing, **extra)


def claim_interval(claim: Claim) -> tuple[float, float]:
    """The values a claim's wording allows: "over 80" is 80..inf, "up to 54" is 0..54."""
    high = claim.value_high if claim.value_high is not None else claim.value
    if claim.qualifier == Qualifier.over:
        return claim.value, float("inf")
    if claim.qualifier in (Qualifier.under, Qualifier.up_to):
        return 0.0, high
    return claim.value, high


def verdict_for(claim: Claim, expected: Range) -> tuple[Verdict, float | None]:
    """Where the claim falls against the expected range, and its ratio to the range's middle.

    The claim and the inputs are each allowed their rounding: only a claim outside the range
    after that is above or below it."""
    low, high = claim_interval(claim)
    low -= half_unit(claim.value)
    high += half_unit(claim.value_high if claim.value_high is not None else claim.value)
    if low > expected.hi:
        verdict = Verdict.above_range
    elif high < expected.lo:
        verdict = Verdict.below_range
    else:
        verdict = Verdict.consistent
    ratio = claim.value / expected.mid if expected.mid > 0 else None
    return verdict, ratio


def _claim_input(claim: Claim) -> dict[str, Any]:
    value = claim.value if claim.value_high is None else f"{claim.value}–{claim.value_high}"
    return {
        "name": "claim",
        "value": value,
        "unit": claim.unit,
        "qualifier": claim.qualifier.value,
        "source_slug": claim.source_slug,
        "ref": claim.slug,
    }


def _quantity_input(name: str, q: Quantity) -> dict[str, Any]:
    return {
        "name": name,
        "value": q.value,
        "unit": q.label,
        "source_slug": q.source_slug,
        "ref": q.ref,
    }


def _factor_input(name: str, f: Factor, unit: str, value: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "value": value,
        "unit": unit,
        "source_slug": f.source_slug,
        "ref": f.slug,
    }
    if f.low is not None or f.high is not None:
        entry["range"] = [f.low, f.high]
    for key in ("country", "mode", "year"):
        if getattr(f, key) is not None:
            entry[key] = getattr(f, key)
    return entry


# ---------------------------------------------------------------- factor ranges


class UnitMismatch(ValueError):
    """A unit that cannot be expressed in the unit a check needs."""


@lru_cache(maxsize=512)
def _unit_factor(unit: str, target: str) -> float | None:
    # Parsing with pint costs ~0.5 ms; a bulk load converts the same few units 100k times.
    try:
        return float(UREG.Quantity(1.0, unit).to(target).magnitude)
    except (pint.errors.PintError, ValueError, SyntaxError):
        return None


def convert(value: float, unit: str, target: str) -> float:
    """`value` in `unit` expressed in `target`; UnitMismatch when they do not convert."""
    factor = _unit_factor(unit, target)
    if factor is None:
        raise UnitMismatch(f"{unit} is not a {target} unit")
    return value * factor


def factor_range(factors: Sequence[Factor], unit: str, what: str) -> tuple[Range | None, list[str]]:
    """The low..high of sourced factors in `unit`.

    One factor with its own low/high gives that range. Otherwise the range is the spread of all
    the factors given (the same kind, country and mode, chosen by the caller), and says so.
    Factors whose unit cannot be converted are left out, with a note.
    """
    notes: list[str] = []
    lows: list[float] = []
    highs: list[float] = []
    loose: list[float] = []
    for f in factors:
        try:
            value = convert(f.value, f.unit, unit)
            low = convert(f.low, f.unit, unit) if f.low is not None else value
            high = convert(f.high, f.unit, unit) if f.high is not None else value
        except UnitMismatch:
            notes.append(f"factor {f.slug} is in {f.unit}, which is not a {unit} unit; left out")
            continue
        lows.append(min(low, value))
        highs.append(max(high, value))
        if f.low is None and f.high is None:
            slack = convert(half_unit(f.value), f.unit, unit)
            loose += [value - slack, value + slack]
    if not lows:
        return None, notes
    if len(lows) == 1:
        own = factors[0].low is not None or factors[0].high is not None
        how = (
            f"{what}: the factor's own range"
            if own
            else (f"{what}: a single sourced factor, no range given")
        )
    else:
        how = f"{what}: spread of {len(lows)} sourced factors (none gives its own range)"
    rng = Range(min(lows), max(highs), unit, how, min(lows + loose), max(highs + loose))
    return rng, notes


def _factor_inputs(name: str, factors: Sequence[Factor], unit: str) -> list[dict[str, Any]]:
    entries = []
    for f in factors:
        try:
            entries.append(_factor_input(name, f, unit, convert(f.value, f.unit, unit)))
        except UnitMismatch:
            continue
    return entries


def quantity_range(quantities: Sequence[Quantity], what: str) -> Range:
    """The spread of one or several activity figures (several sources rarely agree)."""
    values = [q.value for q in quantities]
    unit = quantities[0].label
    loose_low = min(v - half_unit(v) for v in values)
    loose_high = max(v + half_unit(v) for v in values)
    how = f"{what}: one figure" if len(values) == 1 else f"{what}: spread of {len(values)} figures"
    return Range(min(values), max(values), unit, how, loose_low, loose_high)


# ---------------------------------------------------------------- the checks


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
            inputs=[_claim_input(claim)],
        )
    factors, notes = factor_range(grid, "t/MWh", factor_name)
    if factors is None:
        return not_checkable(
            name, reading, missing_factor, inputs=[_claim_input(claim)], ambiguities=notes
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
        _claim_line(claim, ratio, expected),
    ]
    inputs = [
        _claim_input(claim),
        *(_quantity_input("generation", q) for q in generation),
        *_factor_inputs(factor_name, grid, "t/MWh"),
    ]
    return CheckResult(name, reading, verdict, expected, ratio, None, inputs, lines, notes)


def _claim_line(claim: Claim, ratio: float | None, expected: Range | None = None) -> str:
    qualifier = "" if claim.qualifier == Qualifier.exact else f"{claim.qualifier.value} "
    ratio_text = f" = {ratio:.2f} × the middle" if ratio is not None else ""
    line = f"claim: {qualifier}{fmt(claim.value)} {claim.unit}{ratio_text}"
    if expected is not None and (expected.lo, expected.hi) != (expected.low, expected.high):
        low, high = claim_interval(claim)
        if low > expected.high or high < expected.low:
            line += (
                f"; allowing each stated figure its rounding the range is "
                f"{fmt(expected.lo)}–{fmt(expected.hi)}"
            )
    return line


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
    base = [_claim_input(claim)]
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
    inputs = [*base, *(_quantity_input("activity", q) for q in activity)]
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
        inputs.append(_quantity_input("line length", line_km))
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
    lines.append(_claim_line(claim, ratio, expected))
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
        *_factor_inputs(f"{mode_name} factor", displaced, per),
        *_factor_inputs("rail factor", rail, per),
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
    base = [_claim_input(claim)]
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
        _claim_line(claim, ratio, expected),
    ]
    inputs = [
        *base,
        *_factor_inputs(f"{baseline_name} factor", baseline, unit),
        *_factor_inputs("project-mode factor", project, unit),
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
            inputs=[_claim_input(claim)],
            ambiguities=notes,
        )
    verdict, ratio = verdict_for(claim, rng)
    lines = [
        f"sourced {mode_name} factors {rng.low:.4g}–{rng.high:.4g} {claim.unit} "
        f"(middle {rng.mid:.4g})",
        _claim_line(claim, ratio, rng),
    ]
    inputs = [_claim_input(claim), *_factor_inputs(f"{mode_name} factor", factors, claim.unit)]
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


# ---------------------------------------------------------------- choosing the inputs


@dataclass
class ProjectData:
    """What the checks of one project read: its activity figures, countries and line length."""

    slug: str
    technology: str
    sector: str
    countries: list[str] = field(default_factory=list)
    line_km: Quantity | None = None
    activity: dict[MetricKind, list[tuple[Quantity, m.Period, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def select_factors(
    factors: Iterable[Factor], kind: str, countries: Sequence[str], modes: Sequence[str | None]
) -> tuple[list[Factor], str | None]:
    """Factors of `kind` and `modes`, of the project's countries when there are any; otherwise
    of every country, with a note saying so."""
    pool = [f for f in factors if f.kind == kind and f.mode in modes]
    local = [f for f in pool if f.country in countries]
    if local or kind == "grid":
        return local, None
    if not pool:
        return [], None
    where = ", ".join(sorted({f.country or "world" for f in pool}))
    return (
        pool,
        f"no {kind} factor for {', '.join(countries) or 'the project'}; factors from "
        f"{where} used instead",
    )


def activity_for(
    claim: Claim, project: ProjectData, kind: MetricKind, period: Period
) -> list[Quantity]:
    """The activity figures for a claim: from the claim's own statement, else its source, else
    every figure of the project for that period (their spread)."""
    rows = [(q, p, s) for q, p, s in project.activity.get(kind, []) if p == period]
    for same in (
        [q for q, _p, s in rows if claim.statement_slug and s == claim.statement_slug],
        [q for q, _p, _s in rows if q.source_slug == claim.source_slug],
    ):
        if same:
            return _one_unit(same)
    return _one_unit([q for q, _p, _s in rows]) if period == Period.annual else []


def _one_unit(quantities: list[Quantity]) -> list[Quantity]:
    """Tonne-km and tonnes cannot share a range: keep work figures if there are any."""
    work = [q for q in quantities if q.label.startswith(("tkm", "pkm"))]
    return work or quantities


def _has_coal(text: str | None) -> bool:
    return bool(text and re.search(r"\bcoal", text, re.I))


def checks_for_claim(
    claim: Claim, project: ProjectData, factors: Sequence[Factor]
) -> list[CheckResult]:
    """Every reading of one claim, checked; readings that agree are folded into the first."""
    if claim.kind == MetricKind.emissions_avoided:
        results = _avoided_readings(claim, project, factors)
    elif claim.kind == MetricKind.emissions_reduction_pct:
        results = [_percentage(claim, project, factors)]
    else:
        results = [_intensity(claim, project, factors)]
    ambiguities = _wording_ambiguities(claim)
    for result in results:
        result.ambiguities = ambiguities + result.ambiguities
    return fold_readings(results)


def fold_readings(results: list[CheckResult]) -> list[CheckResult]:
    """Keep every reading whose verdict differs; the others are reported inside the first."""
    kept: list[CheckResult] = []
    for result in results:
        same = next((k for k in kept if k.verdict == result.verdict), None)
        if same is None:
            kept.append(result)
        else:
            same.other_readings.append(result.summary())
    if len(kept) > 1:
        for result in kept:
            result.ambiguities.append(
                "the readings give different verdicts: "
                + ", ".join(f"{k.reading} → {k.verdict.value.replace('_', ' ')}" for k in kept)
            )
    return kept


def _wording_ambiguities(claim: Claim) -> list[str]:
    notes = []
    if claim.kind == MetricKind.emissions_avoided and claim.period == Period.unspecified:
        notes.append("period not stated: annual or cumulative?")
    if claim.kind != MetricKind.emission_intensity and (
        not claim.baseline or claim.baseline.strip().lower() in UNSTATED_BASELINES
    ):
        notes.append("baseline not stated: reduction against what?")
    if claim.scope == m.Scope.unspecified:
        notes.append("scope not stated (operational, direct or lifecycle?)")
    elif claim.scope == m.Scope.lifecycle:
        notes.append(
            "lifecycle scope: the reference factors are operational or direct "
            "emissions, so they cover only part of a lifecycle figure"
        )
    if claim.uncertain:
        notes.append("the dataset marks this claim as uncertain (see its note)")
    return notes


def _avoided_readings(
    claim: Claim, project: ProjectData, factors: Sequence[Factor]
) -> list[CheckResult]:
    kinds = project.activity
    if project.sector == "energy" or kinds.get(MetricKind.generation):
        kind = MetricKind.generation
    elif kinds.get(MetricKind.freight):
        kind = MetricKind.freight
    elif kinds.get(MetricKind.passengers):
        kind = MetricKind.passengers
    else:
        return [
            not_checkable(
                "none",
                "as stated",
                "activity data (generation, cargo or passenger figures) and a "
                f"check for {project.technology} projects",
                inputs=[_claim_input(claim)],
            )
        ]
    results = []
    for period in _periods(claim, project, kind):
        activity = activity_for(claim, project, kind, period)
        reading = period.value if claim.period == Period.unspecified else "as stated"
        results += _check_kind(claim, project, factors, kind, activity, reading)
    return results


def _periods(claim: Claim, project: ProjectData, kind: MetricKind) -> list[Period]:
    """The claim's period; when unstated, both, the one its own statement uses first."""
    if claim.period in (Period.annual, Period.cumulative):
        return [claim.period]
    own = [
        p
        for _q, p, s in project.activity.get(kind, [])
        if claim.statement_slug and s == claim.statement_slug
    ]
    first = Period.cumulative if Period.cumulative in own else Period.annual
    return [first, Period.annual if first == Period.cumulative else Period.cumulative]


def _check_kind(
    claim: Claim,
    project: ProjectData,
    factors: Sequence[Factor],
    kind: MetricKind,
    activity: list[Quantity],
    reading: str,
) -> list[CheckResult]:
    if kind == MetricKind.generation:
        grid, _ = select_factors(factors, "grid", project.countries, [None])
        missing = f"a sourced grid emission factor for {', '.join(project.countries) or '?'}"
        first = check_power(
            claim, activity, grid, reading=_join(reading, "grid average"), missing_factor=missing
        )
        if not _has_coal(claim.baseline):
            first.reading = reading
            return [first]
        coal, note = select_factors(factors, "grid", project.countries, ["coal"])
        second = check_power(
            claim,
            activity,
            coal,
            reading=_join(reading, "coal baseline"),
            factor_name="coal-fired generation factor",
            missing_factor="a sourced emission factor of coal-fired generation (t CO2/MWh); "
            "the dataset has none",
        )
        first.ambiguities.append(
            "baseline stated as coal: the grid average and a coal baseline are both computed"
        )
        second.ambiguities += [note] if note else []
        return [first, second]
    freight = kind == MetricKind.freight
    displaced, road_note = select_factors(
        factors,
        "freight" if freight else "passenger",
        project.countries,
        ["road"] if freight else list(_passenger_modes(claim.baseline)),
    )
    rail, rail_note = _rail_factors(factors, project, freight)
    result = check_transport(
        claim, activity, project.line_km, displaced, rail, freight=freight, reading=reading
    )
    result.ambiguities += [n for n in (road_note, rail_note) if n]
    return [result]


def _join(reading: str, more: str) -> str:
    return more if reading == "as stated" else f"{reading}, {more}"


def _passenger_modes(baseline: str | None) -> tuple[str, ...]:
    text = (baseline or "").lower()
    for key, modes in PASSENGER_BASELINES.items():
        if key in text:
            return modes
    return PASSENGER_BASELINES["car"]


def _rail_factors(
    factors: Sequence[Factor], project: ProjectData, freight: bool
) -> tuple[list[Factor], str | None]:
    kind = "freight" if freight else "passenger"
    modes = sorted(
        {
            f.mode
            for f in factors
            if f.kind == kind and f.mode and f.mode.startswith(RAIL_PASSENGER_PREFIX)
        }
    )
    return select_factors(factors, kind, project.countries, modes)


def _percentage(claim: Claim, project: ProjectData, factors: Sequence[Factor]) -> CheckResult:
    text = (claim.baseline or "").lower()
    if "road" in text and "freight" in text or "road transport" in text:
        road, note = select_factors(factors, "freight", project.countries, ["road"])
        rail, rail_note = _rail_factors(factors, project, True)
        result = check_percentage(claim, road, rail, unit="g/tkm", baseline_name="road freight")
    elif (
        any(key in text for key in PASSENGER_BASELINES) and project.technology in RAIL_TECHNOLOGIES
    ):
        modes = _passenger_modes(text)
        road, note = select_factors(factors, "passenger", project.countries, list(modes))
        rail, rail_note = _rail_factors(factors, project, False)
        result = check_percentage(claim, road, rail, unit="g/pkm", baseline_name="/".join(modes))
    else:
        return check_percentage(claim, [], [], unit="", baseline_name="baseline")
    result.ambiguities += [n for n in (note, rail_note) if n]
    return result


def _intensity(claim: Claim, project: ProjectData, factors: Sequence[Factor]) -> CheckResult:
    per_passenger = claim.unit.startswith("g/pkm")
    kind = "passenger" if per_passenger else "freight"
    text = (claim.baseline or "").lower()
    if claim.baseline and any(key in text for key in PASSENGER_BASELINES) and per_passenger:
        modes = _passenger_modes(text)
        chosen, note = select_factors(factors, kind, project.countries, list(modes))
        result = check_intensity(claim, chosen, mode_name="/".join(modes))
        result.ambiguities.append(
            "a comparison figure for the displaced mode, checked "
            "against that mode's sourced factors"
        )
    elif (
        not claim.baseline
        and project.technology in RAIL_TECHNOLOGIES
        and claim.unit[:5] in ("g/pkm", "g/tkm")
    ):
        chosen, note = _rail_factors(factors, project, not per_passenger)
        result = check_intensity(claim, chosen, mode_name="rail")
    else:
        return not_checkable(
            "intensity",
            "as stated",
            f"sourced factors for the mode this {claim.unit} figure describes",
            inputs=[_claim_input(claim)],
        )
    result.ambiguities += [note] if note else []
    return result


# ---------------------------------------------------------------- database refresh

MT = m.Metric.__table__  # type: ignore[attr-defined]
PT = m.Project.__table__  # type: ignore[attr-defined]
PCT = m.ProjectCountry.__table__  # type: ignore[attr-defined]
RFT = m.ReferenceFactor.__table__  # type: ignore[attr-defined]
CCT = m.ClaimCheck.__table__  # type: ignore[attr-defined]
# Projects checked at a time: memory holds one chunk's metrics and checks, not the dataset's.
CHUNK = 5000
METRIC_COLUMNS = (
    "slug",
    "project_slug",
    "kind",
    "unit",
    "canonical_value",
    "canonical_value_high",
    "canonical_unit",
    "qualifier",
    "period",
    "baseline",
    "scope",
    "source_slug",
    "statement_slug",
    "uncertain",
)
CHECK_COLUMNS = (
    "metric_slug",
    "reading",
    "project_slug",
    "check_name",
    "verdict",
    "ratio",
    "expected_low",
    "expected_high",
    "expected_unit",
    "missing",
    "explanation_json",
)
READ_KINDS = tuple(k.value for k in (*CHECKED_KINDS, *ACTIVITY_KINDS))
ACTIVITY_VALUES = {k.value: k for k in ACTIVITY_KINDS}


def _chunks(slugs: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(slugs)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _marks(conn: Connection, count: int) -> str:
    """`count` positional placeholders of the driver (qmark for sqlite3, %s for psycopg)."""
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * count)


def _rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the driver's fetchall: no per-row SQLAlchemy Row objects."""
    result = conn.exec_driver_sql(sql, tuple(params))
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def load_factors(conn: Connection) -> list[Factor]:
    """Every reference factor (a small table)."""
    rows = conn.execute(select(RFT)).mappings()
    return [
        Factor(
            slug=r["slug"],
            kind=str(r["kind"]),
            value=r["value"],
            unit=r["unit"],
            source_slug=r["source_slug"],
            country=r["country_iso3"],
            mode=r["mode"],
            low=r["low"],
            high=r["high"],
            year=r["year"],
        )
        for r in rows
    ]


def _line_km(value: float | None, unit: str | None, source: str | None) -> Quantity | None:
    if value is None or not unit:
        return None
    try:
        km = convert(value, unit, "km")
    except Exception:  # not a length (MW, buses, ...): the project has no line length
        return None
    return Quantity(km, "km", "km", source, "capacity")


@dataclass
class ChunkRows:
    """What the checks of a chunk of projects read from the database, as plain tuples (so
    they can be checked in another process): projects, their countries, their metrics."""

    projects: list[tuple[Any, ...]]
    countries: list[tuple[Any, ...]]
    metrics: list[tuple[Any, ...]]


def read_chunk(conn: Connection, chunk: Sequence[str]) -> ChunkRows:
    """Three queries for up to CHUNK project slugs."""
    keys = _marks(conn, len(chunk))
    kinds = _marks(conn, len(READ_KINDS))
    return ChunkRows(
        projects=_rows(
            conn,
            "SELECT slug, technology_slug, sector_slug, capacity_value, capacity_unit "
            f"FROM project WHERE slug IN ({keys})",
            chunk,
        ),
        countries=_rows(
            conn,
            "SELECT project_slug, country_iso3 FROM project_country "
            f"WHERE project_slug IN ({keys})",
            chunk,
        ),
        metrics=_rows(
            conn,
            f"SELECT {', '.join(METRIC_COLUMNS)} FROM metric "
            f"WHERE project_slug IN ({keys}) AND kind IN ({kinds})",
            [*chunk, *READ_KINDS],
        ),
    )


def projects_from_rows(rows: ChunkRows) -> tuple[dict[str, ProjectData], list[Claim]]:
    """Projects with their countries and activity figures, and their claims."""
    projects: dict[str, ProjectData] = {}
    claims: list[Claim] = []
    for slug, tech, sector, cap, cap_unit in rows.projects:
        projects[slug] = ProjectData(slug, tech, sector, line_km=_line_km(cap, cap_unit, None))
    for slug, iso3 in rows.countries:
        if slug in projects:
            projects[slug].countries.append(iso3)
    for row in rows.metrics:
        project = projects.get(row[1])
        if project is None or row[4] is None:
            continue
        activity = ACTIVITY_VALUES.get(row[2])
        if activity is None:
            claims.append(_claim_from_row(row))
            continue
        q = Quantity(row[4], row[6] or "", row[6] or "", row[11], row[0])
        project.activity[activity].append((q, _PERIODS[row[8]], row[12]))
    for project in projects.values():
        project.countries.sort()
    return projects, claims


def load_projects(conn: Connection, slugs: set[str]) -> tuple[dict[str, ProjectData], list[Claim]]:
    """Projects, their countries, activity figures and claims, read CHUNK slugs at a time."""
    projects: dict[str, ProjectData] = {}
    claims: list[Claim] = []
    for chunk in _chunks(slugs):
        chunk_projects, chunk_claims = projects_from_rows(read_chunk(conn, chunk))
        projects.update(chunk_projects)
        claims += chunk_claims
    return projects, claims


def checks_of_chunk(rows: ChunkRows, factors: list[Factor]) -> list[tuple[Any, ...]]:
    """claim_check rows (CHECK_COLUMNS order) of every claim of a chunk's projects."""
    projects, claims = projects_from_rows(rows)
    checked: list[tuple[Any, ...]] = []
    for claim in claims:
        project_slug = claim.slug.split("/", 1)[0]
        project = projects.get(project_slug)
        if project is not None:
            checked += check_rows(claim, project_slug, checks_for_claim(claim, project, factors))
    return checked


class ClaimChecker(Protocol):
    """Checks chunks in order: `submit` one, `collect` its rows before the next `submit`."""

    def submit(self, rows: ChunkRows, factors: list[Factor]) -> None: ...

    def collect(self) -> list[tuple[Any, ...]]: ...


class LocalChecker:
    """Checks each chunk in this process, at `submit`."""

    def __init__(self) -> None:
        self.result: list[tuple[Any, ...]] = []

    def submit(self, rows: ChunkRows, factors: list[Factor]) -> None:
        self.result = checks_of_chunk(rows, factors)
        if not gc.isenabled():  # a load turns the collector off; checking makes cycles
            gc.collect()

    def collect(self) -> list[tuple[Any, ...]]:
        return self.result


def _claim_from_row(row: Sequence[Any]) -> Claim:
    """A claim from a metric row in METRIC_COLUMNS order."""
    (slug, _project, kind, unit, value, value_high, canonical_unit, qualifier, period,
     baseline, scope, source_slug, statement_slug, uncertain) = row  # fmt: skip
    return Claim(
        slug=slug,
        kind=_KINDS[kind],
        value=value,
        value_high=value_high,
        unit=(canonical_unit or unit).removesuffix("/yr"),
        source_slug=source_slug,
        qualifier=_QUALIFIERS[qualifier],
        period=_PERIODS[period],
        baseline=baseline,
        scope=_SCOPES[scope],
        statement_slug=statement_slug,
        uncertain=bool(uncertain),
    )


# Stored value -> member by dict: Enum(value) costs a Python call per claim, 4 per row.
_KINDS = {k.value: k for k in MetricKind}
_QUALIFIERS = {q.value: q for q in Qualifier}
_PERIODS = {p.value: p for p in Period}
_SCOPES = {s.value: s for s in m.Scope}


def check_rows(claim: Claim, project_slug: str, results: list[CheckResult]) -> list[tuple]:
    """claim_check rows of one claim's results, in CHECK_COLUMNS order."""
    return [
        (
            claim.slug,
            r.reading,
            project_slug,
            r.check_name,
            r.verdict.value,
            round(r.ratio, 6) if r.ratio is not None else None,
            r.expected.low if r.expected else None,
            r.expected.high if r.expected else None,
            _expected_unit(claim, r),
            r.missing,
            orjson.dumps(r.explanation()).decode(),  # ~8x json.dumps: 1M checks per big load
        )
        for r in results
    ]


def _expected_unit(claim: Claim, result: CheckResult) -> str | None:
    if result.expected is None:
        return None
    if result.expected.unit == "t" and claim.period == Period.annual:
        return "t/yr"
    return result.expected.unit


def refresh_claim_checks(
    conn: Connection,
    project_slugs: set[str],
    tick: Callable[[int], None] | None = None,
    checker: ClaimChecker | None = None,
) -> None:
    """Recompute the stored checks of these projects' claims (inside the loader's transaction).

    Works through the projects in chunks of CHUNK, so memory stays flat whatever the load's
    size. Reading a chunk and writing the previous one's rows overlap the checking of the
    current one when `checker` runs in another process (a big load's helper); by default
    the checks run here. `tick` (a progress bar) advances by each chunk's projects."""
    if not project_slugs:
        return
    checker = checker or LocalChecker()
    factors = load_factors(conn)
    had_checks = conn.execute(select(CCT.c.metric_slug).limit(1)).first() is not None
    insert_sql = (
        f"INSERT INTO claim_check ({', '.join(CHECK_COLUMNS)}) "
        f"VALUES ({_marks(conn, len(CHECK_COLUMNS))})"
    )

    def write(chunk: list[str], rows: list[tuple[Any, ...]]) -> None:
        if had_checks:  # a first load has nothing to delete
            conn.execute(delete(CCT).where(CCT.c.project_slug.in_(chunk)))
        if rows:
            conn.exec_driver_sql(insert_sql, rows)
        if tick is not None:
            tick(len(chunk))

    previous: list[str] | None = None
    for chunk in _chunks(project_slugs):
        rows = read_chunk(conn, chunk)
        done = checker.collect() if previous is not None else []
        checker.submit(rows, factors)  # checked while the previous chunk is written
        if previous is not None:
            write(previous, done)
        previous = chunk
    if previous is not None:
        write(previous, checker.collect())


def project_expected_power(conn: Connection, slug: str) -> CheckResult | None:
    """For a project without a CO2 claim: what its annual generation and grid would give."""
    factors = load_factors(conn)
    projects, _claims = load_projects(conn, {slug})
    project = projects.get(slug)
    if project is None:
        return None
    probe = Claim("", MetricKind.emissions_avoided, 0.0, "t", "")
    generation = activity_for(probe, project, MetricKind.generation, Period.annual)
    grid, _ = select_factors(factors, "grid", project.countries, [None])
    result = expected_power(generation, grid)
    return replace(result, reading="annual") if result else None
