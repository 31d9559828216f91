"""Sanity findings: what arithmetic can catch before any verdict is given.

Each finding is named and shown with the claim. A *blocking* finding (a likely unit slip, a
generation figure the plant cannot produce, a claim checked against the wrong kind of change)
withholds the verdict: the claim is "not checkable" until the figure is resolved, rather than
"below range" by a factor of a thousand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from app.checks.ranges import Claim, Factor, Range, half_unit
from app.units import format_number as fmt

MAGNITUDE = "magnitude"
ARITHMETIC = "internal arithmetic"
PHYSICAL = "physical limit"
RECORD = "project record"
SCOPE = "scope"
REFERENCE = "reference data"
# A value within this factor of the reference range is "plausible"; a value that lands there
# only once multiplied or divided by 10^3 or 10^6 is a likely unit slip.
PLAUSIBLE_SPAN = 3.0
SLIPS = ((1e3, "10^3"), (1e6, "10^6"))
HOURS_PER_YEAR = 8760.0
MW_RE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*MW\b")
ELECTRIFICATION_RE = re.compile(r"electrif", re.I)


def finding(name: str, text: str, *, blocking: bool = False) -> dict[str, Any]:
    """A named finding as stored with the check."""
    return {"name": name, "severity": "blocking" if blocking else "warning", "text": text}


def blocking(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["severity"] == "blocking"]


def _overlaps(low: float, high: float, ref_low: float, ref_high: float) -> bool:
    return low <= ref_high * PLAUSIBLE_SPAN and high >= ref_low / PLAUSIBLE_SPAN


def magnitude(value: Range, reference: Range, *, what: str, against: str) -> dict[str, Any] | None:
    """A value ~10^3 or ~10^6 off every plausible reference: a likely g/kg, t/kt or kWh/MWh
    slip. None when the value is within a factor of three of the reference, or when no power
    of a thousand brings it there (then it is simply far off, and the verdict says so)."""
    if reference.hi <= 0 or _overlaps(value.lo, value.hi, reference.lo, reference.hi):
        return None
    for scale, label in SLIPS:
        for factor, word in ((scale, "small"), (1 / scale, "large")):
            if _overlaps(value.lo * factor, value.hi * factor, reference.lo, reference.hi):
                return finding(
                    MAGNITUDE,
                    f"{what} {fmt(value.lo)}–{fmt(value.hi)} {value.unit} is about {label} "
                    f"times too {word} for {against} ({fmt(reference.lo)}–{fmt(reference.hi)} "
                    f"{reference.unit}): a likely unit slip (g for kg, t for kt, kWh for MWh); "
                    "no verdict until the unit is resolved",
                    blocking=True,
                )
    return None


def capacity_factor(
    generation_mwh: Range, capacity_mw: float | None
) -> tuple[str | None, dict[str, Any] | None]:
    """The capacity factor an annual generation figure implies: the arithmetic line, and a
    blocking finding when it is beyond 100 % (more than the plant makes running flat out all
    year, which no technology can)."""
    if not capacity_mw or capacity_mw <= 0:
        return None, None
    full = capacity_mw * HOURS_PER_YEAR
    low, high = generation_mwh.low / full * 100, generation_mwh.high / full * 100
    line = (
        f"capacity factor = generation {fmt(generation_mwh.low)}–{fmt(generation_mwh.high)} MWh "
        f"÷ ({fmt(capacity_mw)} MW × 8,760 h) = {low:.1f}–{high:.1f} %"
    )
    if generation_mwh.low > full:
        return line, finding(
            PHYSICAL,
            f"the generation figure implies a capacity factor of {low:.0f} % on "
            f"{fmt(capacity_mw)} MW: more than the plant can produce running all year",
            blocking=True,
        )
    return line, None


def percentage_arithmetic(
    claim: Claim, project_side: Sequence[Claim], baseline_side: Sequence[Claim]
) -> dict[str, Any] | None:
    """A percentage stated with the two intensities it derives from (same statement or
    source): recompute 1 − project ÷ baseline and flag a mismatch beyond rounding."""
    if len(project_side) != 1 or len(baseline_side) != 1:
        return None
    ours, theirs = project_side[0], baseline_side[0]
    if ours.unit != theirs.unit or theirs.value <= 0:
        return None
    ours_lo, ours_hi = ours.value - half_unit(ours.value), ours.value + half_unit(ours.value)
    base_lo = theirs.value - half_unit(theirs.value)
    base_hi = theirs.value + half_unit(theirs.value)
    low = (1 - ours_hi / base_lo) * 100
    high = (1 - ours_lo / base_hi) * 100
    stated_lo = claim.value - half_unit(claim.value)
    stated_hi = claim.value + half_unit(claim.value)
    middle = (1 - ours.value / theirs.value) * 100
    text = (
        f"1 − {fmt(ours.value)} ÷ {fmt(theirs.value)} {ours.unit} = {middle:.1f} % "
        f"({low:.1f}–{high:.1f} % allowing rounding)"
    )
    if stated_hi < low or stated_lo > high:
        return finding(
            ARITHMETIC,
            f"the same source states {fmt(claim.value)} % but its own figures give {text}",
        )
    return None


def record_mismatch(
    claim: Claim, capacity_mw: float | None, opened_year: int | None
) -> list[dict[str, Any]]:
    """A claim about another capacity (a phase or stage) than the project record's, or a
    cumulative claim dated before the project opened."""
    findings = []
    text = f"{claim.baseline or ''} {claim.note or ''}"
    stated = [float(m.replace(",", "")) for m in MW_RE.findall(text)]
    if capacity_mw and stated:
        other = [mw for mw in stated if abs(mw - capacity_mw) > 0.05 * capacity_mw]
        if other:
            findings.append(
                finding(
                    RECORD,
                    f"the claim is about {fmt(other[0])} MW, the project record says "
                    f"{fmt(capacity_mw)} MW: a phase or stage, not the whole project",
                )
            )
    year = claim.claim_year
    if claim.period.value == "cumulative" and opened_year and year and year < opened_year:
        findings.append(
            finding(
                RECORD,
                f"a cumulative figure dated {year}, before the project opened in {opened_year}: "
                "a projection, not a count",
            )
        )
    return findings


def electrification(claim: Claim) -> dict[str, Any] | None:
    """A claim about electrifying an existing line is a change of traction, not a shift of
    traffic from road to rail: the road-to-rail check does not apply."""
    text = f"{claim.baseline or ''} {claim.note or ''}"
    if not ELECTRIFICATION_RE.search(text):
        return None
    return finding(
        SCOPE,
        "the claim is about electrifying an existing line (diesel to electric traction), not "
        "a shift from road to rail: checking it needs the line's diesel use and the grid "
        "factor, not road and rail factors",
        blocking=True,
    )


def paired_by_scope(
    displaced: Sequence[Factor], rail: Sequence[Factor]
) -> tuple[list[Factor], list[Factor], list[dict[str, Any]]]:
    """Transport factors paired like with like (direct with direct, well-to-wheel with
    well-to-wheel). Where both sides state scopes the shared one is used; where one side mixes
    scopes and the other states none, direct emissions are kept. Factors of unstated scope stay."""
    findings: list[dict[str, Any]] = []
    theirs = {f.scope for f in displaced if f.scope}
    ours = {f.scope for f in rail if f.scope}
    target: str | None = None
    if theirs and ours:
        shared = theirs & ours
        if not shared:
            findings.append(
                finding(
                    SCOPE,
                    f"no shared scope: displaced mode {', '.join(sorted(theirs))}, rail "
                    f"{', '.join(sorted(ours))}; compared as given",
                )
            )
        target = "direct" if "direct" in shared else (min(shared) if shared else None)
    elif len(theirs) > 1 or len(ours) > 1:
        target = "direct" if "direct" in theirs | ours else None
    if target is None:
        return list(displaced), list(rail), findings
    keep_d = [f for f in displaced if f.scope in (target, None)]
    keep_r = [f for f in rail if f.scope in (target, None)]
    dropped = [f.slug for f in (*displaced, *rail) if f not in keep_d and f not in keep_r]
    if dropped:
        findings.append(
            finding(
                SCOPE,
                f"factors paired by scope ({target.replace('_', '-')}); left out as another "
                "scope: " + ", ".join(dropped),
            )
        )
    return keep_d, keep_r, findings
