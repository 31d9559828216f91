"""Unit parsing with pint: every metric keeps its stated unit and gains a canonical one."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pint

from app.metrics.model import MetricKind, Period

UREG: pint.UnitRegistry = pint.UnitRegistry()
# Counting units and transport work that pint does not know.
UREG.define("passenger = [passenger] = pax = passengers = trip = trips")
UREG.define("pkm = passenger * kilometer = passenger_km")
UREG.define("tkm = metric_ton * kilometer = tonne_km")
UREG.define("bus = [vehicle] = buses = vehicle = vehicles")
UREG.define("million = 1e6 = mn")
UREG.define("billion = 1e9 = bn")
UREG.define("charger = [charger] = chargers = charging_point = charging_points")

# Canonical unit per metric kind; the dimension of the stated unit must match it.
CANONICAL_UNITS: dict[MetricKind, tuple[str, ...]] = {
    MetricKind.emissions_avoided: ("t",),
    MetricKind.coal_saved: ("t",),
    MetricKind.generation: ("MWh",),
    MetricKind.freight: ("t", "tkm"),
    MetricKind.passengers: ("passenger", "pkm"),
    MetricKind.emissions_reduction_pct: ("percent",),
    MetricKind.cost_reduction_pct: ("percent",),
    MetricKind.capacity_factor: ("percent",),
    MetricKind.emission_intensity: ("g/pkm", "g/tkm", "t/MWh"),
}

CANONICAL_LABELS = {
    "t": "t",
    "MWh": "MWh",
    "tkm": "tkm",
    "passenger": "passengers",
    "pkm": "pkm",
    "percent": "%",
    "g/pkm": "g/pkm",
    "g/tkm": "g/tkm",
    "t/MWh": "t/MWh",
}


class UnitError(ValueError):
    """A unit that cannot be parsed or does not fit the metric's kind."""


@dataclass(frozen=True)
class Conversion:
    factor: float
    canonical: str  # pint name, e.g. "t"
    label: str  # what pages show, with "/yr" for annual figures


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> Any:
    """Parse a unit string; raise UnitError with the reason."""
    text = unit.strip().replace("%", "percent")
    if not text:
        raise UnitError("empty unit")
    try:
        quantity = UREG.parse_expression(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, SyntaxError) as exc:
        raise UnitError(f"unknown unit {unit!r}") from exc
    except Exception as exc:  # pint raises assorted parser errors on odd input
        raise UnitError(f"cannot parse unit {unit!r}: {exc}") from exc
    if not isinstance(quantity, pint.Quantity) or quantity.magnitude != 1:
        raise UnitError(f"unit {unit!r} carries a number; put numbers in value")
    return quantity.units


def conversion_for(kind: MetricKind, unit: str, period: Period = Period.unspecified) -> Conversion:
    """How to turn a value in `unit` into the canonical unit of `kind`. Cached on plain text:
    a load asks twice per metric row, and an Enum in the key hashes through a Python call."""
    return _conversion_for(str(kind), unit, str(period))


@lru_cache(maxsize=1024)
def _conversion_for(kind_value: str, unit: str, period_value: str) -> Conversion:
    kind, period = MetricKind(kind_value), Period(period_value)
    parsed = parse_unit(unit)
    targets = CANONICAL_UNITS.get(kind)
    if targets is None:  # kind "other": keep the stated unit
        return Conversion(1.0, str(parsed), unit)
    for target in targets:
        try:
            factor = float(UREG.Quantity(1, parsed).to(target).magnitude)
        except pint.errors.DimensionalityError:
            continue
        label = CANONICAL_LABELS[target]
        if period == Period.annual and target in ("t", "MWh", "passenger", "pkm", "tkm"):
            label += "/yr"
        return Conversion(factor, target, label)
    expected = " or ".join(CANONICAL_LABELS[t] for t in targets)
    raise UnitError(f"unit {unit!r} does not fit a {kind.value} metric (expected {expected})")


def to_canonical(value: float | None, conversion: Conversion) -> float | None:
    return None if value is None else value * conversion.factor


class UnitMismatch(ValueError):
    """A unit that cannot be expressed in the unit a calculation needs."""


@lru_cache(maxsize=512)
def unit_factor(unit: str, target: str) -> float | None:
    """How many `target` one `unit` is, or None when they do not convert. Cached on the plain
    text: parsing with pint costs ~0.5 ms and a bulk load converts the same few units 100k times."""
    try:
        return float(UREG.Quantity(1.0, unit).to(target).magnitude)
    except (pint.errors.PintError, ValueError, SyntaxError):
        return None


def convert(value: float, unit: str, target: str) -> float:
    """`value` in `unit` expressed in `target`; UnitMismatch when they do not convert."""
    factor = unit_factor(unit, target)
    if factor is None:
        raise UnitMismatch(f"{unit} is not a {target} unit")
    return value * factor


def format_number(value: float | None, digits: int = 4) -> str:
    """The one number format of checks and pages: thousands separated from 1,000 up, otherwise
    at most `digits` significant digits; None is a dash. 3.5e6 -> 3,500,000; 0.4406 -> 0.4406."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"
