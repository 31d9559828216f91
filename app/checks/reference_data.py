"""Grid emission factors imported by code from the two published datasets, never retyped.

- Our World in Data, "Carbon intensity of electricity generation" (Ember; Energy Institute),
  gCO2eq/kWh by country and year: one average-grid factor per country-year.
- IFI Technical Working Group, "IFI Dataset of Default Grid Factors v3.1" (2021), gCO2/kWh:
  per country the combined margin for firm and for intermittent generation and the operating
  margin.

The loader recognises either file by its name wherever it lies in a dataset directory (the seed
keeps them in seed/reference/emission-factors/) and turns it into `sources` and
`reference_factors` rows, validated and applied with the rest of the load. Country names map to
ISO3 through country_converter's maintained name patterns and pycountry; the few the library
cannot place are in IFI_NAME_EXCEPTIONS, each with the reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pycountry

OWID_FILE = "owid-carbon-intensity-electricity.csv"
IFI_FILE = "ifi-default-grid-factors-2021-v3.1.csv"
OWID_SOURCE = "owid-ember-ei-carbon-intensity-electricity"
IFI_SOURCE = "ifi-default-grid-factors-v3-1-2021"
IFI_YEAR = 2021
RETRIEVED = "retrieved 2025"

SOURCES: dict[str, dict[str, Any]] = {
    OWID_FILE: {
        "slug": OWID_SOURCE,
        "title": "Carbon intensity of electricity generation (gCO2eq/kWh), 2000–2024",
        "publisher": "Our World in Data, from Ember (Yearly Electricity Data) and the Energy "
        "Institute (Statistical Review of World Energy)",
        "url": "https://ourworldindata.org/grapher/carbon-intensity-electricity",
        "kind": "dataset",
        "language": "en",
        "note": "Licence CC BY 4.0 (cite Ember; Energy Institute; Our World in Data). Lifecycle "
        "emissions of the generation mix: the average grid, not a marginal factor. File "
        f"{OWID_FILE} as published, {RETRIEVED} from the public copy in the GitHub repository "
        "pluginsGLPI/carbon (install/data/carbon_intensity/carbon-intensity-electricity.csv); "
        "imported by code (app/checks/reference_data.py).",
    },
    IFI_FILE: {
        "slug": IFI_SOURCE,
        "title": "IFI Dataset of Default Grid Factors v3.1 (gCO2/kWh)",
        "publisher": "IFI Technical Working Group on GHG Accounting, published through the UNFCCC",
        # The public copy the file was taken from (commit as indexed when it was retrieved).
        "url": "https://github.com/thegreenwebfoundation/co2.js/blob/"
        "2432f824ba2ab34665f514ef2c6971842a860af9/data/IFI_Default_Grid_Factors_2021_v3.1_unfccc.csv",
        "kind": "dataset",
        "language": "en",
        "note": "The harmonised default grid factors the international financial institutions "
        "(World Bank, ADB, AIIB, EBRD, EIB, IDB and others) use for project emission "
        "reductions: combined margin for firm (hydro, geothermal) and intermittent (solar, "
        "wind) generation, operating margin. Methodology: AHG-001. File "
        f"{IFI_FILE} as published, {RETRIEVED} from the GitHub repository "
        "thegreenwebfoundation/co2.js (Apache-2.0), data/IFI_Default_Grid_Factors_2021_v3.1_"
        "unfccc.csv; imported by code (app/checks/reference_data.py).",
    },
}

# IFI names the country library cannot place on one ISO 3166-1 country, and why. None: the row
# is left out (a sub-national region, a group of territories or an aggregate).
IFI_NAME_EXCEPTIONS: dict[str, tuple[str | None, str]] = {
    "Curacao/Netherlands Antilles": ("CUW", "the former Netherlands Antilles row; Curaçao"),
    "Sint Martin (Netherlands)": ("SXM", "the Dutch part, Sint Maarten (the library reads MAF)"),
    "Vanatu": ("VUT", "Vanuatu, misspelt in the published file"),
    "Virgin Islands (U.S.)": ("VIR", "United States Virgin Islands"),
    "Azores (Portugal)": (None, "a region of Portugal, no ISO 3166-1 code"),
    "Madeira (Portugal)": (None, "a region of Portugal, no ISO 3166-1 code"),
    "Canary Islands (Spain)": (None, "a region of Spain, no ISO 3166-1 code"),
    "Channel Islands (U.K)": (None, "Jersey and Guernsey together, no single code"),
    "Kosovo": (None, "no ISO 3166-1 code (XKX is user-assigned and not in pycountry)"),
    "Memo:  EU 27": (None, "an aggregate, not a country"),
}
# The factors of each IFI column (after the name column), as reference-factor modes.
IFI_COLUMNS = (
    (1, "ifi-cm-firm", "combined margin, firm generation (hydro, geothermal)"),
    (2, "ifi-cm-intermittent", "combined margin, intermittent generation (solar, wind, tidal)"),
    (5, "ifi-om", "operating margin"),
)


def is_reference_file(path: Path) -> bool:
    """Whether the loader should import this file as a grid-factor dataset."""
    return path.name in SOURCES


@lru_cache
def _name_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    data = files("country_converter").joinpath("country_data.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(data.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return tuple((re.compile(r["regex"], re.I), r["ISO3"]) for r in rows if r["regex"])


def iso3_for_name(name: str) -> tuple[str | None, str | None]:
    """ISO3 for a country name as the IFI writes it, and a note when it needed one.

    The exceptions list first; then country_converter's name patterns on the name without a
    trailing "(Country)" qualifier; a match must be exactly one code that pycountry knows."""
    clean = name.strip()
    if clean in IFI_NAME_EXCEPTIONS:
        return IFI_NAME_EXCEPTIONS[clean]
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", clean)
    codes = {code for pattern, code in _name_patterns() if pattern.search(bare)}
    if len(codes) != 1:
        return None, f"not one country for {clean!r} ({', '.join(sorted(codes)) or 'none'})"
    code = codes.pop()
    if pycountry.countries.get(alpha_3=code) is None:
        return None, f"{code} is not an ISO 3166-1 country"
    return code, (f"the IFI row {clean!r}" if bare != clean else None)


def _known_iso3(code: str) -> bool:
    return bool(code) and pycountry.countries.get(alpha_3=code) is not None


def owid_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(record label, reference-factor row) per country-year of the OWID file. Aggregates
    (no code, or an OWID_ code) are left out."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            code = (row.get("Code") or "").strip()
            if not _known_iso3(code):
                continue
            value = row["Carbon intensity of electricity - gCO2/kWh"]
            yield (
                f"row {line_no}",
                {
                    "slug": f"grid-average-{code.lower()}-{row['Year']}",
                    "kind": "grid",
                    "country": code,
                    "value": value,
                    "unit": "g/kWh",
                    "year": row["Year"],
                    "scope": "lifecycle",
                    "origin": "dataset",
                    "source": OWID_SOURCE,
                    "note": f"{row['Entity']}, {row['Year']}: average carbon intensity of "
                    "electricity generated (lifecycle gCO2eq/kWh), as published.",
                },
            )


def ifi_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(record label, reference-factor row) per country and margin of the IFI file. The first
    three lines are the two-level header; rows without figures (notes, blanks) are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for line_no, cells in enumerate(rows[3:], start=4):
        if len(cells) < 6 or not cells[0].strip() or not cells[1].strip():
            continue
        iso3, how = iso3_for_name(cells[0])
        if iso3 is None:
            continue
        for column, mode, what in IFI_COLUMNS:
            yield (
                f"row {line_no}",
                {
                    "slug": f"grid-{mode}-{iso3.lower()}-{IFI_YEAR}",
                    "kind": "grid",
                    "country": iso3,
                    "mode": mode,
                    "value": cells[column].strip(),
                    "unit": "g/kWh",
                    "year": IFI_YEAR,
                    "scope": "direct",
                    "origin": "dataset",
                    "source": IFI_SOURCE,
                    "note": f"IFI {what}, {cells[0].strip()}"
                    + (f" ({how})" if how else "")
                    + ", as published.",
                },
            )


def skipped_ifi_names(path: Path) -> list[tuple[str, str]]:
    """IFI rows with figures that are not imported, and why (for the tests and the README)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    skipped = []
    for cells in rows[3:]:
        if len(cells) >= 6 and cells[0].strip() and cells[1].strip():
            iso3, how = iso3_for_name(cells[0])
            if iso3 is None:
                skipped.append((cells[0].strip(), how or ""))
    return skipped


def reference_tables(path: Path) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The `sources` and `reference_factors` rows of one dataset file."""
    source = SOURCES[path.name]
    factors = list(owid_rows(path) if path.name == OWID_FILE else ifi_rows(path))
    return {"sources": [("source", dict(source))], "reference_factors": factors}
