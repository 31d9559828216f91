"""The baseline ladder of a power claim.

A power claim's **implied factor** is its tonnes of CO2 divided by the generation of the same
period (t CO2/MWh). The ladder is what that generation could have displaced in the project's
country, lowest to highest: the average grid (Ember / Energy Institute via Our World in Data,
for the claim's year and the years since), the IFI combined margin (firm for hydro and
geothermal, intermittent for wind and solar) and operating margin (the factors lenders use),
gas combined cycle, coal and oil-fired generation (IPCC). The verdict names the rungs the
implied factor is consistent with, or says that it exceeds every one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.checks.ranges import (
    Claim,
    Factor,
    Quantity,
    Range,
    factor_range,
    half_unit,
    quantity_range,
)
from app.models import Qualifier
from app.units import convert
from app.units import format_number as fmt

UNIT = "t/MWh"
INTERMITTENT_TECHNOLOGIES = {"wind", "solar-pv", "solar-thermal", "bipv"}
# Reference-factor modes (kind "grid") of each rung; `None` is the average grid intensity.
AVERAGE = None
IFI_CM_FIRM, IFI_CM_INTERMITTENT, IFI_OM = "ifi-cm-firm", "ifi-cm-intermittent", "ifi-om"
GAS_CC, COAL, DIESEL = "gas-cc", "coal", "diesel"
FUEL_MODES = (GAS_CC, COAL, DIESEL)
RUNG_NAMES = {
    "grid-average": "grid average",
    "ifi-cm": "IFI combined margin",
    "ifi-om": "IFI operating margin",
    GAS_CC: "gas combined cycle",
    COAL: "coal",
    DIESEL: "diesel/oil generation",
}


@dataclass
class Rung:
    """One baseline of the ladder, in t CO2/MWh, with its sources and years."""

    key: str
    name: str
    low: float
    high: float
    value: float
    years: str
    how: str
    sources: list[str]
    refs: list[str]
    note: str | None = None

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    def as_dict(self, position: str | None = None) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "value": self.value,
            "unit": UNIT,
            "year": self.years,
            "how": self.how,
            "source_slugs": self.sources,
            "refs": self.refs,
            "note": self.note,
            "position": position,
        }


@dataclass
class Implied:
    """The implied factor of a claim: its middle and the low..high its wording allows."""

    value: float
    low: float
    high: float
    how: str
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": self.low,
            "high": None if self.high == float("inf") else self.high,
            "unit": UNIT,
            "how": self.how,
        }


# ---------------------------------------------------------------- the rungs


def _rung(
    key: str, name: str, factors: Sequence[Factor], years: str, note: str | None
) -> Rung | None:
    rng, _notes = factor_range(factors, UNIT, name)
    if rng is None:
        return None
    values = sorted(convert(f.value, f.unit, UNIT) for f in factors)
    return Rung(
        key=key,
        name=name,
        low=rng.low,
        high=rng.high,
        value=values[len(values) // 2],  # the median of the sources (the one factor's value)
        years=years,
        how=rng.how,
        sources=sorted({f.source_slug for f in factors}),
        refs=[f.slug for f in factors],
        note=note,
    )


def _years_text(years: Sequence[int | None]) -> str:
    known = sorted({y for y in years if y is not None})
    if not known:
        return ""
    return str(known[0]) if len(known) == 1 else f"{known[0]}–{known[-1]}"


def average_years(available: Sequence[int], claim_year: int | None) -> tuple[list[int], str | None]:
    """The years of average grid intensity a claim is compared with: the claim's year and every
    year since that the data cover (the plant runs on after the claim), at least two years so
    the range is the grid's own year-to-year spread. A year outside the data takes the nearest
    years, with a note."""
    years = sorted(set(available))
    if not years:
        return [], None
    if claim_year is None:
        return years[
            -2:
        ], f"the claim's year is not known; the latest years, {_years_text(years[-2:])}"
    chosen = [y for y in years if y >= claim_year]
    note = None
    if claim_year not in years:
        nearest = min(years, key=lambda y: (abs(y - claim_year), -y))
        note = f"no grid average for {claim_year}; the nearest year, {nearest}, is used"
        chosen = [y for y in years if y >= nearest] if nearest < claim_year else [nearest]
    if len(chosen) < 2:
        earlier = [y for y in years if y < chosen[0]] if chosen else years
        chosen = sorted(earlier[-1:] + chosen) if earlier else chosen
    return chosen, note


def build_ladder(
    factors: Sequence[Factor], countries: Sequence[str], technology: str, claim_year: int | None
) -> tuple[list[Rung], list[str]]:
    """The rungs for a project's countries and technology, lowest first, and notes on what is
    missing or chosen."""
    notes: list[str] = []
    rungs: list[Rung] = []
    grid = [f for f in factors if f.kind == "grid"]
    local = [f for f in grid if f.country in countries]
    average = [f for f in local if f.mode is AVERAGE]
    if average:
        years, note = average_years([f.year for f in average if f.year is not None], claim_year)
        chosen = [f for f in average if f.year in years] or average
        where = ", ".join(countries)
        rung = _rung("grid-average", f"grid average ({where})", chosen, _years_text(years), note)
        rungs += [rung] if rung else []
    else:
        notes.append(f"no average grid intensity for {', '.join(countries) or 'the project'}")
    margin = IFI_CM_INTERMITTENT if technology in INTERMITTENT_TECHNOLOGIES else IFI_CM_FIRM
    kind_word = "intermittent" if margin == IFI_CM_INTERMITTENT else "firm"
    for key, mode, name in (
        ("ifi-cm", margin, f"IFI combined margin for {kind_word} generation"),
        ("ifi-om", IFI_OM, "IFI operating margin"),
    ):
        chosen = [f for f in local if f.mode == mode]
        rung = _rung(key, name, chosen, _years_text([f.year for f in chosen]), None)
        if rung:
            rungs.append(rung)
        else:
            notes.append(f"no {name} for {', '.join(countries) or 'the project'}")
    for mode in FUEL_MODES:
        chosen = [f for f in grid if f.mode == mode and f.country is None]
        rung = _rung(mode, RUNG_NAMES[mode], chosen, _years_text([f.year for f in chosen]), None)
        if rung:
            rungs.append(rung)
        else:
            notes.append(f"no sourced factor for {RUNG_NAMES[mode]}")
    rungs.sort(key=lambda r: (r.mid, r.key))
    return rungs, notes


# ---------------------------------------------------------------- the implied factor


def tonnes_interval(claim: Claim) -> tuple[float, float, str]:
    """The tonnes a claim's wording allows, with rounding: "about 3.5 Mt" is 3.45..3.55 Mt,
    "over 53,000 t" 53,000 and up, "up to" anything from 0."""
    high_value = claim.value_high if claim.value_high is not None else claim.value
    slack_low, slack_high = half_unit(claim.value), half_unit(high_value)
    if claim.qualifier == Qualifier.over:
        return claim.value - slack_low, float("inf"), "over: no upper bound"
    if claim.qualifier in (Qualifier.under, Qualifier.up_to):
        return 0.0, high_value + slack_high, f"{claim.qualifier.value.replace('_', ' ')}: from 0"
    if claim.qualifier == Qualifier.almost:
        return claim.value - slack_low, high_value, "almost: just under the figure"
    return claim.value - slack_low, high_value + slack_high, "its rounding"


def implied_factor(claim: Claim, generation: Sequence[Quantity]) -> tuple[Implied, Range] | None:
    """Claimed tonnes ÷ generation (MWh) of the same period, with the range the claim's wording
    and rounding and the generation figures' spread and rounding allow."""
    gen = quantity_range(generation, "generation")
    if gen.hi <= 0:
        return None
    t_low, t_high, t_how = tonnes_interval(claim)
    gen_mid = (gen.low + gen.high) / 2
    value = claim.value / gen_mid if gen_mid > 0 else float("inf")
    low = t_low / gen.hi
    high = t_high / gen.lo if gen.lo > 0 else float("inf")
    how = f"claim allowed {t_how}; {gen.how}, each allowed its rounding"
    lines = [
        f"implied factor = claim {fmt(t_low)}–{_inf(t_high)} t ÷ generation "
        f"{fmt(gen.lo)}–{fmt(gen.hi)} MWh = {fmt(low)}–{_inf(high)} t CO2/MWh "
        f"(middle {fmt(value)})"
    ]
    return Implied(value, low, high, how, lines), gen


def _inf(value: float) -> str:
    return "∞" if value == float("inf") else fmt(value)


# ---------------------------------------------------------------- placing and the verdict


def position(implied: Implied, rung: Rung) -> str:
    """Where the implied factor's range lies against a rung's range."""
    if implied.low > rung.high:
        return "above"
    if implied.high < rung.low:
        return "below"
    return "consistent"


def _times(implied: Implied, rung: Rung) -> str:
    return f"×{implied.value / rung.mid:.1f}" if rung.mid > 0 else "(the baseline is zero)"


def verdict_text(implied: Implied, rungs: Sequence[Rung], claim: Claim) -> tuple[str, str]:
    """("consistent" | "above" | "below" | "between", the sentence that names the baselines)."""
    places = [(r, position(implied, r)) for r in rungs]
    consistent = [r for r, p in places if p == "consistent"]
    average = next((r for r in rungs if r.key == "grid-average"), None)
    if consistent:
        fuels_only = all(r.key in FUEL_MODES for r in consistent)
        names = _names(consistent)
        if fuels_only and len(consistent) < len(rungs):
            words = [_fuel_word(r.key) for r in consistent]
            fuel = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
            text = f"consistent only with displacing {fuel} generation"
        else:
            text = f"consistent with the {names}"
        if average is not None and average not in consistent:
            word = "above" if position(implied, average) == "above" else "below"
            text += f"; {word} the grid average {_times(implied, average)}"
        outcome = "consistent"
    elif all(p == "above" for _r, p in places):
        top = rungs[-1]
        including = "coal" if any(r.key == COAL for r in rungs) else f"the {top.name}"
        text = f"exceeds every recognised baseline, including {including}"
        if average is not None:
            text += f"; above the grid average {_times(implied, average)}"
        outcome = "above"
    elif all(p == "below" for _r, p in places):
        text = f"below every recognised baseline, even the {rungs[0].name}"
        outcome = "below"
    else:
        under = max((r for r, p in places if p == "above"), key=lambda r: r.high)
        over = min((r for r, p in places if p == "below"), key=lambda r: r.low)
        text = (
            f"between the {under.name} and the {over.name}: consistent with a mix of displaced "
            "generation between them, not with any single baseline"
        )
        outcome = "between"
    return outcome, text + _stated_baseline(implied, rungs, claim)


def _stated_baseline(implied: Implied, rungs: Sequence[Rung], claim: Claim) -> str:
    text = (claim.baseline or "").lower()
    for key, words in ((COAL, ("coal",)), (DIESEL, ("diesel", "oil")), (GAS_CC, ("gas",))):
        rung = next((r for r in rungs if r.key == key), None)
        if rung is not None and any(w in text for w in words):
            where = position(implied, rung)
            said = "within it" if where == "consistent" else f"{where} it {_times(implied, rung)}"
            return f" (the claim names {_fuel_word(key)} as its baseline: {said})"
    return ""


def _fuel_word(key: str) -> str:
    return {GAS_CC: "gas", COAL: "coal", DIESEL: "diesel/oil"}.get(key, key)


def _names(rungs: Sequence[Rung]) -> str:
    names = [r.name.split(" (")[0].replace(" generation", "") for r in rungs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ladder_lines(implied: Implied, rungs: Sequence[Rung]) -> list[str]:
    """One arithmetic line per rung: its range, years and where the implied factor falls."""
    lines = []
    for rung in rungs:
        where = position(implied, rung)
        said = "within" if where == "consistent" else f"{where} ({_times(implied, rung)})"
        years = f", {rung.years}" if rung.years else ""
        lines.append(
            f"  {rung.name}{years}: {fmt(rung.low)}–{fmt(rung.high)} t/MWh → implied is {said}"
        )
    return lines
