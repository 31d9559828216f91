"""The AidData importer: keyword tables, title parsing, grouping, and an all-or-nothing,
idempotent import that never rewrites a curated project (real database, seed loaded)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app import models as m
from app.aiddata import parse
from app.aiddata.importer import import_aiddata
from app.loader import LoadError, load_paths
from tests.helpers import SEED_DIR

FIXTURE = Path(__file__).parent / "data" / "aiddata" / "fixture.csv"
MAPPING = FIXTURE.parent / "mapping.yaml"
F = m.Financing.__table__  # type: ignore[attr-defined]
P = m.Project.__table__  # type: ignore[attr-defined]
X = m.ExternalId.__table__  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("title", "technology"),
    [
        ("CDB provides $107.7 million loan for 49.5 MW Three Gorges First Wind Farm", "wind"),
        ("China Eximbank provides $50 million for 100 MW Solar PV Power Plant", "solar-pv"),
        ("China Eximbank provides $608 million loan for Merowe Hydroelectric Dam", "hydro"),
        ("CDB provides loan for Noor III concentrated solar power plant", "solar-thermal"),
        ("ICBC provides $195.7 million loan for Transmission Lines of Kafue Gorge", "grid-storage"),
        ("CDB provides $2.38 billion for the Jakarta-Bandung High Speed Rail", "high-speed-rail"),
        ("China Eximbank provides $1.23 billion for Lahore Orange Line Metro Train", "urban-rail"),
        ("China Eximbank provides $403.7 million for Addis Ababa Light Rail", "urban-rail"),
        ("China Eximbank provides $480 million for China-Laos Railway", "rail-freight-passenger"),
        ("AGTF provides $44.29 million for Dar es Salaam Bus Rapid Transit", "electric-buses"),
        ("CDB provides loan for Kalawa Aragam 10MW Biomass Power Plant Project", None),
    ],
)  # fmt: skip
def test_technology_keyword_table(title: str, technology: str | None) -> None:
    assert parse.technology(title) == technology


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("China Ministry of Commerce provides China-Laos railway training course", "training"),
        ("China Railway Group conducts feasibility study for Cambodia-Vietnam railway", "study"),
        ("Chinese Government provides grant for Solar Street Lighting Project", "street"),
        ("ZTE donates 200 solar streetlights to Seychelles", "street"),
        ("Chinese Government provides grant for solar module factory", "factory"),
        ("China Eximbank provides $403.7 million for Addis Ababa Light Rail Project", None),
    ],
)
def test_not_a_project_table(title: str, reason: str | None) -> None:
    found = parse.not_a_project(title)
    assert (found is None) if reason is None else (found is not None and reason in found)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[CPEC] CDB contributes to $1.292 billion syndicated loan for 720MW Karot", (720.0, "MW")),
        ("China Eximbank provides $3.54 billion for the 357 km Lao section", (357.0, "km")),
        ("CDB provides loan for the 1,200 MW Example Hydropower Plant", (1200.0, "MW")),
        ("CDB provides loan for 49.5 MW Jhimpir Wind Project", (49.5, "MW")),
        ("CWE provides $50.4 million for Phase 1 of 2x20 MW Nam Mang 3 Hydropower", None),
        ("China Eximbank provides $480 million loan for China-Laos Railway Project", None),
    ],
)
def test_capacity_and_length_from_titles(title: str, expected: tuple[float, str] | None) -> None:
    assert parse.capacity(title) == expected


def test_title_parsing_of_lenders_instruments_links_and_amounts() -> None:
    title = (
        "[CPEC] Silk Road Fund contributes to $1.292 billion syndicated loan for 720MW Karot "
        "Hydropower Project (Linked to Project ID#54012, #92310, #37233)"
    )
    assert [lender.slug for lender in parse.lenders_named(title)] == ["silk-road-fund"]
    assert parse.instrument(title) is m.FinancingInstrument.syndicated_loan_share
    assert parse.linked_ids(title) == {54012, 92310, 37233}
    assert parse.amount_wording(title) == "$1.292 billion"
    assert parse.project_name(title) == "Karot Hydropower Project"
    two = "China Eximbank and China Construction Bank provide $90 million export seller’s credit"
    assert [x.slug for x in parse.lenders_named(two)] == ["china-exim", "china-construction-bank"]
    assert parse.instrument(two) is m.FinancingInstrument.sellers_credit
    whole = "Industrial and Commercial Bank of China contributes $200 million to syndicated loan"
    assert [x.slug for x in parse.lenders_named(whole)] == ["icbc"]
    assert parse.lenders_named("Chinese companies provide equipment for Shweli Hydropower") == []
    assert parse.map_point("https://www.openstreetmap.org/way/1#map=19/18.669/32.053") == (
        18.669,
        32.053,
    )


def _seeded(engine: Engine) -> Engine:
    load_paths(engine, [SEED_DIR])
    return engine


def _snapshot(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            "projects": sorted(conn.execute(select(P.c.slug, P.c.name, P.c.origin)).all()),
            "financing": sorted(conn.execute(select(F.c.slug, F.c.project_slug)).all()),
            "ids": sorted(conn.execute(select(X.c.project_slug, X.c.value)).all()),
            # Every curated column; the search text is derived (it gains the lenders' names).
            "karot": conn.execute(
                select(*(c for c in P.c if c.name != "search_text")).where(
                    P.c.slug == "karot-hydropower"
                )
            ).one(),
        }


def test_import_groups_maps_and_is_idempotent(engine: Engine) -> None:
    _seeded(engine)
    karot_before = _snapshot(engine)["karot"]
    report = import_aiddata(engine, FIXTURE, MAPPING)
    first = _snapshot(engine)
    import_aiddata(engine, FIXTURE, MAPPING)
    assert _snapshot(engine) == first  # a second run writes the same rows
    # Curated Karot keeps every field and gains its three shares.
    assert first["karot"] == karot_before
    with engine.connect() as conn:
        karot = conn.execute(
            select(F.c.lender_slug, F.c.amount_usd_2021, F.c.instrument)
            .where(F.c.project_slug == "karot-hydropower")
            .order_by(F.c.lender_slug)
        ).all()
        groups = dict(
            conn.execute(select(F.c.project_slug, func.count()).group_by(F.c.project_slug)).all()
        )
        bui = conn.execute(select(P).where(P.c.slug == "bui-dam-hydropower-plant")).first()
    assert [row[0] for row in karot] == ["cdb", "china-exim", "silk-road-fund"]
    assert all(row[1] == pytest.approx(530843777.67, rel=1e-9) for row in karot)
    assert {row[2] for row in karot} == {"syndicated_loan_share"}
    # Two linked Bui records are one project; the Second and Third Karot wind farms, linked to
    # each other and to the dam, stay two projects of their own.
    new = {slug: n for slug, n in groups.items() if slug != "karot-hydropower"}
    assert sorted(new.values()) == [1, 1, 1, 2]
    assert report.projects_created == 4
    assert bui is None  # not curated in the seed: the import names it from the title
    assert {left.record.id for left in report.not_projects} == {30058, 89657}
    assert {left.record.id for left in report.outside_taxonomy} == {67341}


def test_new_project_fields_come_from_the_records(engine: Engine) -> None:
    _seeded(engine)
    import_aiddata(engine, FIXTURE, MAPPING)
    with engine.connect() as conn:
        wind = conn.execute(
            select(P).where(P.c.name.like("%Karot Three Gorges Second Wind Farm%"))
        ).one()
        sources = conn.execute(
            select(F.c.source_slug, F.c.aiddata_id).where(F.c.project_slug == wind.slug)
        ).all()
    assert (wind.technology_slug, wind.sector_slug) == ("wind", "energy")
    assert (wind.capacity_value, wind.capacity_unit) == (49.5, "MW")
    assert wind.status == "operational" and wind.origin == "aiddata"
    assert sources == [("aiddata-53675", 53675)]


def test_a_bad_row_rejects_the_whole_file_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    _seeded(engine)
    import_aiddata(engine, FIXTURE, MAPPING)
    before = _snapshot(engine)
    bad = tmp_path / "bad.csv"
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3][rows[0].index("Status")] = "Finished"
    rows[4][rows[0].index("Amount.(Constant.USD.2021)")] = "lots"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    shutil.copy(MAPPING, tmp_path / "mapping.yaml")
    with pytest.raises(LoadError) as rejected:
        import_aiddata(engine, bad)
    messages = [str(problem) for problem in rejected.value.problems]
    assert any("row 4" in x and "Status" in x and "Finished" in x for x in messages)
    assert any("row 5" in x and "Amount" in x for x in messages)
    assert _snapshot(engine) == before


def test_mapping_to_an_unknown_project_is_refused(engine: Engine, tmp_path: Path) -> None:
    _seeded(engine)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("projects:\n  no-such-project: [37233]\n", encoding="utf-8")
    with pytest.raises(LoadError) as rejected:
        import_aiddata(engine, FIXTURE, mapping)
    assert "no curated project has this slug" in str(rejected.value.problems[0])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(F)).scalar() == 0


def test_a_changed_mapping_moves_the_financing(engine: Engine, tmp_path: Path) -> None:
    _seeded(engine)
    import_aiddata(engine, FIXTURE, MAPPING)
    with engine.connect() as conn:
        text = select(P.c.search_text).where(P.c.slug == "karot-hydropower")
        assert "silk road fund" in (conn.execute(text).scalar() or "")
    empty = tmp_path / "mapping.yaml"
    empty.write_text("projects: {}\n", encoding="utf-8")
    import_aiddata(engine, FIXTURE, empty)
    with engine.connect() as conn:
        karot = conn.execute(
            select(func.count()).select_from(F).where(F.c.project_slug == "karot-hydropower")
        ).scalar()
        dam = conn.execute(
            select(P.c.origin, func.count())
            .where(P.c.name == "Karot Hydropower Project")
            .group_by(P.c.origin)
        ).all()
    # Unmapped, the three shares become a project of the import's own beside the curated one.
    assert karot == 0
    assert sorted(dam, key=repr) == sorted([(None, 1), ("aiddata", 1)], key=repr)
