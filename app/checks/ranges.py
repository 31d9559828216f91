"""Ranges and units of the checks: the inputs (claims, activity figures, reference factors) and
the low..high ranges formed from them. No range has zero width: a single figure is allowed its
rounding (350 million = 345..355 million), several give their spread."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app import models as m
from app.models import MetricKind, Period, Qualifier
from app.units import UnitMismatch, convert, format_number

__all__ = ["UnitMismatch", "convert", "fmt"]

fmt = format_number


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
    scope: str | None = None  # direct, well_to_wheel, lifecycle: paired like with like
    note: str | None = None


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
    stated_on: date | None = None
    year: int | None = None
    note: str | None = None

    @property
    def claim_year(self) -> int | None:
        """The year the claim is about: its own year, else the year it was stated."""
        return self.year or (self.stated_on.year if self.stated_on else None)


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
    0.4406 -> 0.00005. Trailing zeros count as rounding, as they usually are in claims, but a
    stated figure is read to at least two significant digits: "100,000 MWh" is 95,000..105,000,
    not 50,000..150,000 (a source that rounds to one digit would say "some 100,000")."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    mantissa, exponent = f"{abs(value):.9e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    return 0.5 * 10 ** (int(exponent) - max(len(digits), 2) + 1)


def claim_interval(claim: Claim) -> tuple[float, float]:
    """The values a claim's wording allows: "over 80" is 80..inf, "up to 54" is 0..54."""
    high = claim.value_high if claim.value_high is not None else claim.value
    if claim.qualifier == Qualifier.over:
        return claim.value, float("inf")
    if claim.qualifier in (Qualifier.under, Qualifier.up_to):
        return 0.0, high
    if claim.qualifier == Qualifier.almost:
        return claim.value - half_unit(claim.value), high
    return claim.value, high


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
            else (
                f"{what}: a single sourced factor with no stated range; its range is the "
                "rounding of the published figure"
            )
        )
    else:
        how = f"{what}: spread of {len(lows)} sourced factors (none gives its own range)"
    return widened(
        Range(min(lows), max(highs), unit, how, min(lows + loose), max(highs + loose))
    ), notes


def quantity_range(quantities: Sequence[Quantity], what: str) -> Range:
    """The spread of one or several activity figures (several sources rarely agree)."""
    values = [q.value for q in quantities]
    unit = quantities[0].label
    loose_low = min(v - half_unit(v) for v in values)
    loose_high = max(v + half_unit(v) for v in values)
    how = f"{what}: one figure" if len(values) == 1 else f"{what}: spread of {len(values)} figures"
    return widened(Range(min(values), max(values), unit, how, loose_low, loose_high))


def widened(rng: Range) -> Range:
    """A range that has width: where every figure agrees (low == high), their rounding is the
    range, and the range says so. A figure of exactly zero keeps its zero."""
    if rng.low != rng.high or rng.lo == rng.hi:
        return rng
    how = rng.how if "rounding" in rng.how else f"{rng.how} (its range is its rounding)"
    return Range(rng.lo, rng.hi, rng.unit, how, rng.lo, rng.hi)
