"""The power check: a claim's implied factor placed on its country's baseline ladder, after the
sanity findings (unit slip, capacity factor, project record) have had their say."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.checks import sanity
from app.checks.ladder import (
    Implied,
    Rung,
    build_ladder,
    implied_factor,
    ladder_lines,
    position,
    verdict_text,
)
from app.checks.ranges import Claim, Factor, Quantity, Range
from app.checks.results import (
    CheckResult,
    claim_input,
    factor_input,
    not_checkable,
    quantity_input,
)
from app.models import Period, Verdict
from app.units import convert
from app.units import format_number as fmt

OUTCOME_VERDICTS = {
    "consistent": Verdict.consistent,
    "between": Verdict.consistent,
    "above": Verdict.above_range,
    "below": Verdict.below_range,
}


def _ladder_record(
    rungs: Sequence[Rung], implied: Implied | None, text: str | None, notes: list[str]
) -> dict[str, Any]:
    return {
        "implied": implied.as_dict() if implied else None,
        "rungs": [r.as_dict(position(implied, r) if implied else None) for r in rungs],
        "verdict_text": text,
        "notes": notes,
    }


def _rung_inputs(rungs: Sequence[Rung], factors: Sequence[Factor]) -> list[dict[str, Any]]:
    by_slug = {f.slug: f for f in factors}
    inputs = []
    for rung in rungs:
        for ref in rung.refs:
            f = by_slug[ref]
            inputs.append(factor_input(rung.name, f, "t/MWh", convert(f.value, f.unit, "t/MWh")))
    return inputs


def _doubtful_average(rungs: Sequence[Rung]) -> list[dict[str, Any]]:
    """A grid whose average is above even coal generation: the dataset's figure is doubtful
    (no mix of plants emits more than its dirtiest fuel), so say so beside the verdict."""
    average = next((r for r in rungs if r.key == "grid-average"), None)
    coal = next((r for r in rungs if r.key == "coal"), None)
    if average is None or coal is None or average.low <= coal.high:
        return []
    return [
        sanity.finding(
            sanity.REFERENCE,
            f"the {average.name} {average.years}, {fmt(average.low)}–{fmt(average.high)} "
            f"t CO2/MWh, is above even coal generation ({fmt(coal.high)} at most): the "
            "dataset's figure is doubtful, and the verdict leans on the other rungs",
        )
    ]


def check_power_claim(
    claim: Claim,
    generation: Sequence[Quantity],
    factors: Sequence[Factor],
    *,
    countries: Sequence[str],
    technology: str,
    capacity_mw: float | None = None,
    opened_year: int | None = None,
    reading: str = "as stated",
) -> CheckResult:
    """Implied factor (claim ÷ generation) on the country's ladder, with the sanity findings."""
    rungs, notes = build_ladder(factors, countries, technology, claim.claim_year)
    findings = sanity.record_mismatch(claim, capacity_mw, opened_year)
    findings += _doubtful_average(rungs)
    base_inputs = [claim_input(claim), *_rung_inputs(rungs, factors)]
    if not generation:
        result = not_checkable(
            "power",
            reading,
            "generation (MWh) for the same period as the claim",
            inputs=base_inputs,
            ambiguities=notes,
        )
        result.findings = findings
        result.ladder = _ladder_record(rungs, None, None, notes)
        return result
    placed = implied_factor(claim, generation)
    if placed is None or not rungs:
        missing = "a generation figure above zero" if placed is None else "any sourced baseline"
        result = not_checkable("power", reading, missing, inputs=base_inputs, ambiguities=notes)
        result.findings = findings
        result.ladder = _ladder_record(rungs, placed[0] if placed else None, None, notes)
        return result
    implied, gen = placed
    lines = list(implied.lines)
    if claim.period == Period.annual or reading == Period.annual.value:
        cf_line, cf_finding = sanity.capacity_factor(gen, capacity_mw)
        lines += [cf_line] if cf_line else []
        findings += [cf_finding] if cf_finding else []
    envelope = Range(rungs[0].low, max(r.high for r in rungs), "t/MWh", "every baseline")
    implied_range = Range(implied.low, min(implied.high, 1e12), "t/MWh", implied.how)
    slip = sanity.magnitude(
        implied_range, envelope, what="the implied factor", against="every recognised baseline"
    )
    findings += [slip] if slip else []
    inputs = [base_inputs[0], *(quantity_input("generation", q) for q in generation)]
    inputs += base_inputs[1:]
    lines.append("ladder (t CO2 per MWh the generation could have displaced):")
    lines += ladder_lines(implied, rungs)
    expected = Range(
        gen.low * rungs[0].low,
        gen.high * max(r.high for r in rungs),
        "t",
        f"{gen.how}; from the lowest to the highest recognised baseline",
    )
    average = next((r for r in rungs if r.key == "grid-average"), None)
    ratio = implied.value / average.mid if average and average.mid > 0 else None
    if sanity.blocking(findings):
        result = not_checkable(
            "power",
            reading,
            "figures that pass the sanity checks: "
            + "; ".join(f["name"] for f in sanity.blocking(findings)),
            inputs=inputs,
            arithmetic=lines,
            ambiguities=notes,
        )
        result.findings = findings
        result.ladder = _ladder_record(rungs, implied, None, notes)
        return result
    outcome, text = verdict_text(implied, rungs, claim)
    lines.append(f"verdict: {text}")
    if ratio is not None and average is not None:
        lines.append(
            f"implied {fmt(implied.value)} t/MWh ÷ grid average {fmt(average.mid)} = ×{ratio:.2f}"
        )
    result = CheckResult(
        "power", reading, OUTCOME_VERDICTS[outcome], expected, ratio, None, inputs, lines, notes
    )
    result.findings = findings
    result.ladder = _ladder_record(rungs, implied, text, notes)
    return result
