"""The outcome of a check: verdict, expected range, the arithmetic as text, every input with its
source, the sanity findings and, for power claims, the baseline ladder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.checks.ranges import Claim, Factor, Quantity, Range, claim_interval, half_unit
from app.models import Qualifier, Verdict
from app.units import UnitMismatch, convert
from app.units import format_number as fmt


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
    findings: list[dict[str, Any]] = field(default_factory=list)
    ladder: dict[str, Any] | None = None

    def explanation(self) -> dict[str, Any]:
        """What the page shows under the badge (stored as JSON)."""
        return {
            "findings": self.findings,
            "ladder": self.ladder,
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


def not_checkable(check_name: str, reading: str, missing: str, **extra: Any) -> CheckResult:
    """A result that names the input the check lacks."""
    return CheckResult(check_name, reading, Verdict.not_checkable, missing=missing, **extra)


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


def claim_input(claim: Claim) -> dict[str, Any]:
    value = claim.value if claim.value_high is None else f"{claim.value}–{claim.value_high}"
    return {
        "name": "claim",
        "value": value,
        "unit": claim.unit,
        "qualifier": claim.qualifier.value,
        "source_slug": claim.source_slug,
        "ref": claim.slug,
    }


def quantity_input(name: str, q: Quantity) -> dict[str, Any]:
    return {
        "name": name,
        "value": q.value,
        "unit": q.label,
        "source_slug": q.source_slug,
        "ref": q.ref,
    }


def factor_input(name: str, f: Factor, unit: str, value: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "value": value,
        "unit": unit,
        "source_slug": f.source_slug,
        "ref": f.slug,
    }
    if f.low is not None or f.high is not None:
        entry["range"] = [f.low, f.high]
    for key in ("country", "mode", "year", "scope"):
        if getattr(f, key) is not None:
            entry[key] = getattr(f, key)
    return entry


def factor_inputs(name: str, factors: Sequence[Factor], unit: str) -> list[dict[str, Any]]:
    entries = []
    for f in factors:
        try:
            entries.append(factor_input(name, f, unit, convert(f.value, f.unit, unit)))
        except UnitMismatch:
            continue
    return entries


def claim_line(claim: Claim, ratio: float | None, expected: Range | None = None) -> str:
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
