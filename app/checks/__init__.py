"""Plausibility checks of emission claims, by seam.

- `ranges`: claims, activity figures, reference factors and the low..high ranges formed from
  them (units through app/units.py; no range of zero width);
- `kinds`: the checks per kind of claim (freight, passengers, percentages, intensities);
- `ladder` and `power`: a power claim's implied factor on its country's baseline ladder;
- `sanity`: the findings that run before any verdict (unit slips, internal arithmetic,
  physical limits, the project record, transport scope);
- `readings`: which inputs and which readings of ambiguous wording;
- `store`: reading from and writing to the database;
- `reference_data`: importing the grid-factor datasets as reference factors.
"""

from app.checks.constants import ACTIVITY_KINDS, CHECKED_KINDS
from app.checks.kinds import (
    check_intensity,
    check_percentage,
    check_power,
    check_transport,
    expected_power,
    implied_haul_km,
    mode_gap,
)
from app.checks.ladder import build_ladder, implied_factor, verdict_text
from app.checks.power import check_power_claim
from app.checks.ranges import (
    Claim,
    Factor,
    Quantity,
    Range,
    claim_interval,
    factor_range,
    fmt,
    half_unit,
    quantity_range,
)
from app.checks.readings import ProjectData, checks_for_claim, fold_readings, select_factors
from app.checks.results import CheckResult, verdict_for
from app.checks.store import (
    CHUNK,
    ChunkRows,
    ClaimChecker,
    LocalChecker,
    checks_of_chunk,
    load_factors,
    project_expected_power,
    refresh_claim_checks,
)

__all__ = [
    "ACTIVITY_KINDS",
    "CHECKED_KINDS",
    "CHUNK",
    "CheckResult",
    "ChunkRows",
    "Claim",
    "ClaimChecker",
    "Factor",
    "LocalChecker",
    "ProjectData",
    "Quantity",
    "Range",
    "build_ladder",
    "check_intensity",
    "check_percentage",
    "check_power",
    "check_power_claim",
    "check_transport",
    "checks_for_claim",
    "checks_of_chunk",
    "claim_interval",
    "expected_power",
    "factor_range",
    "fmt",
    "fold_readings",
    "half_unit",
    "implied_factor",
    "implied_haul_km",
    "load_factors",
    "mode_gap",
    "project_expected_power",
    "quantity_range",
    "refresh_claim_checks",
    "select_factors",
    "verdict_for",
    "verdict_text",
]
