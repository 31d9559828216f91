"""All ISO 3166-1 countries (pycountry) with UN M49 region and subregion (country_converter).

country_converter's own importer needs pandas and breaks on Namibia's code "NA", so we read
its data file with the csv module; the data stays the maintained package's, not ours.
"""

import csv
from functools import lru_cache
from importlib.resources import files
from typing import Any

import pycountry

# country_converter says "America"; UN M49 calls the region "Americas".
M49_REGION_NAMES = {"America": "Americas"}


@lru_cache
def _m49_by_iso3() -> dict[str, tuple[str | None, str | None]]:
    data = files("country_converter").joinpath("country_data.tsv").read_text(encoding="utf-8")
    result: dict[str, tuple[str | None, str | None]] = {}
    for row in csv.DictReader(data.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE):
        continent = row.get("continent") or None
        subregion = row.get("UNregion") or None
        if continent == "Antarctica":
            continent, subregion = None, None
        result[row["ISO3"]] = (M49_REGION_NAMES.get(continent or "", continent), subregion)
    return result


@lru_cache
def _country_rows() -> tuple[tuple[tuple[str, Any], ...], ...]:
    regions = _m49_by_iso3()
    rows = []
    for country in pycountry.countries:
        region, subregion = regions.get(country.alpha_3, (None, None))
        rows.append(
            (
                ("iso3", country.alpha_3),
                ("iso2", country.alpha_2),
                ("numeric", country.numeric),
                ("name", getattr(country, "common_name", None) or country.name),
                ("official_name", getattr(country, "official_name", None)),
                ("region", region),
                ("subregion", subregion),
            )
        )
    return tuple(tuple(r) for r in rows)


def country_rows() -> list[dict[str, Any]]:
    """One dict per ISO 3166-1 country, ready to insert."""
    return [dict(row) for row in _country_rows()]
