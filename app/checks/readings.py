"""Choosing a claim's inputs and readings: which activity figures, which factors, which
readings of ambiguous wording (annual or cumulative), and the sanity findings that come first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app import models as m
from app.checks import sanity
from app.checks.constants import (
    PASSENGER_BASELINES,
    RAIL_PASSENGER_PREFIX,
    RAIL_TECHNOLOGIES,
    UNSTATED_BASELINES,
)
from app.checks.kinds import check_intensity, check_percentage, check_transport
from app.checks.power import check_power_claim
from app.checks.ranges import Claim, Factor, Quantity, factor_range, quantity_range
from app.checks.results import CheckResult, claim_input, not_checkable
from app.models import MetricKind, Period, Verdict


@dataclass
class ProjectData:
    """What the checks of one project read: its activity figures, countries and line length."""

    slug: str
    technology: str
    sector: str
    countries: list[str] = field(default_factory=list)
    line_km: Quantity | None = None
    capacity_mw: float | None = None
    opened_year: int | None = None
    claims: list[Claim] = field(default_factory=list)
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
        _withhold_on_blocking(result)
    return fold_readings(results)


def _withhold_on_blocking(result: CheckResult) -> None:
    """A blocking sanity finding withholds the verdict: no ratio of 0.001 from a unit slip."""
    found = sanity.blocking(result.findings)
    if not found or result.verdict == Verdict.not_checkable:
        return
    result.verdict = Verdict.not_checkable
    result.ratio = None
    result.missing = "figures that pass the sanity checks: " + "; ".join(f["name"] for f in found)


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
    electrified = sanity.electrification(claim)
    if electrified and project.technology in RAIL_TECHNOLOGIES:
        result = not_checkable(
            "none",
            "as stated",
            "the line's diesel fuel use and the grid factor (an electrification claim)",
            inputs=[claim_input(claim)],
        )
        result.findings.append(electrified)
        return [result]
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
                inputs=[claim_input(claim)],
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
        result = check_power_claim(
            claim,
            activity,
            factors,
            countries=project.countries,
            technology=project.technology,
            capacity_mw=project.capacity_mw,
            opened_year=project.opened_year,
            reading=reading,
        )
        return [result]
    freight = kind == MetricKind.freight
    displaced, road_note = select_factors(
        factors,
        "freight" if freight else "passenger",
        project.countries,
        ["road"] if freight else list(_passenger_modes(claim.baseline)),
    )
    rail, rail_note = _rail_factors(factors, project, freight)
    displaced, rail, paired = sanity.paired_by_scope(displaced, rail)
    result = check_transport(
        claim, activity, project.line_km, displaced, rail, freight=freight, reading=reading
    )
    result.ambiguities += [n for n in (road_note, rail_note) if n]
    result.findings += paired
    return [result]


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
        road, rail, paired = sanity.paired_by_scope(road, rail)
        result = check_percentage(claim, road, rail, unit="g/tkm", baseline_name="road freight")
        result.findings += paired
    elif (
        any(key in text for key in PASSENGER_BASELINES) and project.technology in RAIL_TECHNOLOGIES
    ):
        modes = _passenger_modes(text)
        road, note = select_factors(factors, "passenger", project.countries, list(modes))
        rail, rail_note = _rail_factors(factors, project, False)
        result = check_percentage(claim, road, rail, unit="g/pkm", baseline_name="/".join(modes))
    else:
        result = check_percentage(claim, [], [], unit="", baseline_name="baseline")
        result.findings += _percentage_arithmetic(claim, project)
        return result
    result.ambiguities += [n for n in (note, rail_note) if n]
    result.findings += _percentage_arithmetic(claim, project)
    return result


def _percentage_arithmetic(claim: Claim, project: ProjectData) -> list[dict[str, object]]:
    """The intensities stated with a percentage (same statement, else same source): the
    project's own (no baseline) and the compared mode's (a baseline)."""

    def same(other: Claim) -> bool:
        if claim.statement_slug:
            return other.statement_slug == claim.statement_slug
        return other.source_slug == claim.source_slug

    stated = [c for c in project.claims if c.kind == MetricKind.emission_intensity and same(c)]
    ours = [c for c in stated if not c.baseline]
    theirs = [c for c in stated if c.baseline]
    found = sanity.percentage_arithmetic(claim, ours, theirs)
    return [found] if found else []


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
            inputs=[claim_input(claim)],
        )
    result.ambiguities += [note] if note else []
    result.findings += _intensity_magnitude(claim, chosen)
    return result


def _intensity_magnitude(claim: Claim, chosen: Sequence[Factor]) -> list[dict[str, object]]:
    reference, _notes = factor_range(chosen, claim.unit, "sourced factors")
    if reference is None:
        return []
    value = quantity_range([Quantity(claim.value, claim.unit, claim.unit)], "claim")
    found = sanity.magnitude(
        value, reference, what="the stated intensity", against="the sourced factors of that mode"
    )
    return [found] if found else []
