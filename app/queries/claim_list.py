"""The claims explorer: one row per emission claim (a metric that has a claim check), with who
said it, when, the value as stated and what its check found.

The /claims page, /api/v1/claims and /claims.csv all parse a `ClaimFilter` and call these
functions, so they cannot disagree. Project-level filters (sector, country, region) reuse the
catalogue's own conditions (app/queries/projects.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, NamedTuple

import orjson
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, or_, select
from sqlmodel import Session

from app import models as m
from app.filtering import (
    PAGE_MAX,
    PER_PAGE_MAX,
    CountryCodes,
    FilterModel,
    UnknownFilterValue,
)
from app.listing import FacetValue
from app.places.vocabulary import vocabulary
from app.projects.catalogue import PC, _conditions, validate_filter
from app.projects.filter import ProjectFilter
from app.queries.cache import cached
from app.queries.checks import CHECK_LABELS, VERDICT_LABELS
from app.queries.claim_summary import KINDS, VERDICTS

CC = m.ClaimCheck.__table__  # type: ignore[attr-defined]
MT = m.Metric.__table__  # type: ignore[attr-defined]
P = m.Project.__table__  # type: ignore[attr-defined]
ST = m.Source.__table__  # type: ignore[attr-defined]
PCS = m.ProjectClaimSummary.__table__  # type: ignore[attr-defined]
# The filters' EXISTS over checks use an alias, so they never correlate to the verdict facet's
# join on CC (the catalogue's filters do the same for countries).
CCF = CC.alias("cc_filter")

CLAIMANT_MAX = 10
CLAIMANT_CHARS = 100
# Worst first: the chip a row leads with when its readings disagree.
VERDICT_ORDER = VERDICTS  # worst first
PERIOD_LABELS = {
    "annual": "Annual",
    "cumulative": "Cumulative",
    "one_off": "One-off",
    "unspecified": "Period not stated",
}
KIND_ORDER = KINDS  # what a card shows first


class ClaimSort(StrEnum):
    project = "project"
    ratio_desc = "-ratio"
    ratio = "ratio"
    stated_desc = "-stated"
    stated = "stated"
    claimant = "claimant"


SORT_LABELS = {
    ClaimSort.project: "Project (A–Z)",
    ClaimSort.ratio_desc: "Claim ÷ expected (largest first)",
    ClaimSort.ratio: "Claim ÷ expected (smallest first)",
    ClaimSort.stated_desc: "Date stated (newest first)",
    ClaimSort.stated: "Date stated (oldest first)",
    ClaimSort.claimant: "Claimant (A–Z)",
}


class ClaimFilter(FilterModel):
    """Claims-explorer query parameters. Values within one parameter are OR, parameters AND."""

    verdict: tuple[m.Verdict, ...] = Field(
        default=(), description="Verdict of any of the claim's checks (repeatable)"
    )
    project: tuple[str, ...] = Field(default=(), description="Slug of the project (repeatable)")
    sector: tuple[str, ...] = Field(
        default=(), description="Sector or technology slug of the project (repeatable)"
    )
    country: CountryCodes = Field(
        default=(), description="ISO3 code of the project's country (repeatable)"
    )
    region: tuple[str, ...] = Field(
        default=(), description="UN M49 region or subregion slug (repeatable)"
    )
    claimant: tuple[Annotated[str, StringConstraints(max_length=CLAIMANT_CHARS)], ...] = Field(
        default=(),
        max_length=CLAIMANT_MAX,
        description="Words in the claimant's name, case-insensitive (repeatable, e.g. CTG)",
    )
    period: tuple[m.Period, ...] = Field(
        default=(), description="annual, cumulative, one_off or unspecified"
    )
    sort: ClaimSort = Field(default=ClaimSort.project, description="Sort order")
    page: int = Field(default=1, ge=1, le=PAGE_MAX, description="Page number, from 1")
    per_page: int = Field(default=25, ge=1, le=PER_PAGE_MAX, description="Rows per page")

    def cache_key(self) -> tuple[object, ...]:
        return (
            tuple(sorted(set(self.verdict))),
            tuple(sorted(set(self.project))),
            tuple(sorted(set(self.sector))),
            tuple(sorted({c.upper() for c in self.country})),
            tuple(sorted(set(self.region))),
            tuple(sorted({c.strip().lower() for c in self.claimant if c.strip()})),
            tuple(sorted(set(self.period))),
        )

    def query_items(self, **changes: object) -> list[tuple[str, str]]:
        """The filter as query-string pairs (defaults left out), with `changes` applied."""
        data = self.model_dump(mode="json")
        data.update(changes)
        pairs: list[tuple[str, str]] = []
        for key in ("verdict", "project", "sector", "country", "region", "claimant", "period"):
            pairs += [(key, str(v)) for v in data[key]]
        if data["sort"] != ClaimSort.project.value:
            pairs.append(("sort", str(data["sort"])))
        if data["page"] != 1:
            pairs.append(("page", str(data["page"])))
        if data["per_page"] != 25:
            pairs.append(("per_page", str(data["per_page"])))
        return pairs

    def without(self, key: str, value: str) -> list[tuple[str, str]]:
        """Query pairs of this filter with one value removed (an active-filter chip's link)."""
        return [(k, v) for k, v in self.query_items(page=1) if not (k == key and v == str(value))]


class ClaimCheckSummary(BaseModel):
    """One reading of a claim as its check judged it, with the reason in words."""

    reading: str = Field(description="Reading of the wording: as stated, annual, grid average…")
    check: str = Field(description="Which arithmetic applies, in words")
    verdict: m.Verdict = Field(description="consistent, above_range, below_range or not_checkable")
    verdict_label: str = Field(description="The verdict in words")
    ratio: float | None = Field(description="Claim ÷ middle of the expected range")
    expected_low: float | None = Field(description="Low end of the expected range")
    expected_high: float | None = Field(description="High end of the expected range")
    expected_unit: str | None = Field(description="Unit of the expected range")
    weak: bool = Field(description="The expected range starts at 0: a weak check")
    why: str = Field(description="Why the check reached its verdict, in one sentence")
    ladder_text: str | None = Field(
        default=None,
        description="For a power claim: where its implied factor (t CO2/MWh) sits on the "
        "country's baseline ladder, e.g. 'exceeds every recognised baseline, including coal'",
    )
    implied_factor: float | None = Field(
        default=None, description="For a power claim: claimed t CO2 ÷ MWh generated"
    )
    findings: list[str] = Field(
        default_factory=list,
        description="Sanity findings raised before the verdict (unit slip, arithmetic, scope…)",
    )


class ClaimRow(BaseModel):
    """One claim as the explorer lists it."""

    slug: str = Field(description="The claim's (metric's) slug: project/claim")
    url: str = Field(description="Permalink of the claim's page")
    project_slug: str = Field(description="Slug of the project the claim is about")
    project_name: str = Field(description="Name of the project")
    claimant: str | None = Field(description="Who made the claim, as the source names them")
    stated_on: date | None = Field(description="When it was stated, if known")
    kind: str = Field(description="emissions_avoided, emissions_reduction_pct, ...")
    as_stated: str = Field(description="The value as stated: qualifier, value, unit")
    value: float = Field(description="Value as stated")
    value_high: float | None = Field(description="Upper value of a stated range")
    unit: str = Field(description="Unit as stated")
    qualifier: str = Field(description="exact, about, over, under or up_to")
    period: str = Field(description="annual, cumulative, one_off or unspecified")
    period_label: str = Field(description="The period in words")
    baseline: str | None = Field(description="The baseline the claim states, if any")
    canonical_value: float | None = Field(description="Value in the canonical unit")
    canonical_unit: str | None = Field(description="Canonical unit, e.g. t/yr")
    source_slug: str = Field(description="Slug of the source of the claim")
    source_title: str | None = Field(description="Title of the source")
    source_publisher: str | None = Field(description="Publisher of the source")
    source_url: str | None = Field(description="URL of the source, if known")
    verdict: m.Verdict = Field(description="The worst verdict among the claim's readings")
    checks: list[ClaimCheckSummary] = Field(description="Each reading's check, worst first")


class ClaimPage(BaseModel):
    """A page of claims with the total and facet counts."""

    items: list[ClaimRow] = Field(description="Claims of this page")
    total: int = Field(description="Claims matching the filter")
    page: int = Field(description="This page number, from 1")
    per_page: int = Field(description="Rows per page")
    facets: dict[str, list[FacetValue]] = Field(
        default_factory=dict, description="Claims per facet value, following the other filters"
    )

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# A card's claims are plain tuples of what a claim line shows (app/web/claim_markup.py reads
# ClaimRow and these alike): building ~180 pydantic models per catalogue page of new projects,
# even unvalidated, cost more than reading them.


class CardCheck(NamedTuple):
    """A check as its verdict chip shows it (those fields of ClaimCheckSummary)."""

    reading: str
    verdict: m.Verdict
    verdict_label: str
    ratio: float | None
    ladder_text: str | None
    weak: bool
    why: str


class CardClaim(NamedTuple):
    """A claim as a card's claim line shows it (those fields of ClaimRow)."""

    slug: str
    url: str
    claimant: str | None
    stated_on: date | None
    kind: str
    as_stated: str
    period: str
    baseline: str | None
    checks: list[CardCheck]


@dataclass(slots=True)
class ProjectClaims:
    """What a project card shows: how many claims, the main ones, verdict counts."""

    count: int
    main: list[CardClaim]
    verdicts: dict[str, int]


# ---------------------------------------------------------------- wording


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def as_stated(
    *, qualifier: str, value: float, value_high: float | None, unit: str, kind: str
) -> str:
    """'about 3.5 Mt CO2', '80 %', '6.9 g/pkm': the figure as its source gave it."""
    words = {
        "about": "about ",
        "almost": "almost ",
        "over": "over ",
        "under": "under ",
        "up_to": "up to ",
    }
    number = _num(value) + (f"–{_num(value_high)}" if value_high is not None else "")
    if unit in ("percent", "%"):
        return f"{words.get(qualifier, '')}{number} %"
    suffix = " CO2" if kind == "emissions_avoided" and unit in ("t", "kt", "Mt", "Gt") else ""
    return f"{words.get(qualifier, '')}{number} {unit}{suffix}"


def why(
    *,
    verdict: str,
    ratio: float | None,
    low: float | None,
    high: float | None,
    unit: str | None,
    missing: str | None,
    check_name: str,
) -> str:
    """The reason for a verdict in one sentence, from the stored check alone."""
    if verdict == "not_checkable":
        return f"Not checkable: missing {missing}." if missing else "No check applies."
    ends = _num(low or 0) if low == high else f"{_num(low or 0)}–{_num(high or 0)}"
    span = f"{ends} {unit or ''}".rstrip()
    basis = CHECK_LABELS.get(check_name, check_name).split(":", 1)[-1].strip()
    times = f"{ratio:.2g}×" if ratio is not None else "outside"
    if verdict == "above_range":
        return f"Claims {times} the middle of what its inputs allow ({span}, from {basis})."
    if verdict == "below_range":
        return f"Claims {times} the middle of the expected {span} ({basis}): less than expected."
    weak = " The range starts at 0, so this is a weak check." if low == 0 else ""
    return f"Within the expected {span} ({basis}).{weak}"


# ---------------------------------------------------------------- conditions


def _validate(session: Session, filters: ClaimFilter) -> ProjectFilter:
    project_filter = ProjectFilter(
        sector=filters.sector, country=filters.country, region=filters.region
    )
    validate_filter(session, project_filter)
    if filters.project:
        known = session.connection().execute(select(P.c.slug).where(P.c.slug.in_(filters.project)))
        missing = set(filters.project) - {row[0] for row in known}
        if missing:
            raise UnknownFilterValue("project", sorted(missing)[0], "use a project slug")
    return project_filter


def _where(
    session: Session, filters: ClaimFilter, skip: str | None = None
) -> list[ColumnElement[bool]]:
    """WHERE clauses over MT joined to P, for every filter except `skip` (facet counts)."""
    vocab = vocabulary(session)
    project_filter = ProjectFilter(
        sector=[] if skip == "sector" else filters.sector,
        country=[] if skip == "country" else filters.country,
        region=filters.region,
    )
    conditions = [
        exists().where(CCF.c.metric_slug == MT.c.slug),
        *_conditions(project_filter, vocab),
    ]
    if filters.verdict and skip != "verdict":
        chosen = [v.value for v in filters.verdict]
        conditions.append(
            exists().where(and_(CCF.c.metric_slug == MT.c.slug, CCF.c.verdict.in_(chosen)))
        )
    if filters.project:
        conditions.append(MT.c.project_slug.in_(filters.project))
    if filters.period and skip != "period":
        conditions.append(MT.c.period.in_([p.value for p in filters.period]))
    words = [w.strip().lower() for w in filters.claimant if w.strip()]
    if words:
        conditions.append(or_(*[func.lower(MT.c.claimant).like(_like(w), "\\") for w in words]))
    return conditions


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Built once: an expression built per request and then compared (`is_`, `desc`) keeps its
# comparator, which refers back to it, a cycle left for the cyclic collector every time.
_MAX_RATIO = select(func.max(CC.c.ratio)).where(CC.c.metric_slug == MT.c.slug).scalar_subquery()


def _order(sort: ClaimSort) -> list[Any]:
    ratio = _MAX_RATIO
    return {
        ClaimSort.project: [P.c.name, MT.c.stated_on.is_(None), MT.c.stated_on.desc()],
        ClaimSort.ratio_desc: [ratio.is_(None), ratio.desc()],
        ClaimSort.ratio: [ratio.is_(None), ratio.asc()],
        ClaimSort.stated_desc: [MT.c.stated_on.is_(None), MT.c.stated_on.desc()],
        ClaimSort.stated: [MT.c.stated_on.is_(None), MT.c.stated_on.asc()],
        ClaimSort.claimant: [MT.c.claimant.is_(None), MT.c.claimant],
    }[sort] + [MT.c.slug]


def _rows_query() -> Any:
    return select(
        MT,
        P.c.name.label("project_name"),
        ST.c.title.label("source_title"),
        ST.c.publisher.label("source_publisher"),
        ST.c.url.label("source_url"),
    ).select_from(
        MT.join(P, P.c.slug == MT.c.project_slug).outerjoin(ST, ST.c.slug == MT.c.source_slug)
    )


# ---------------------------------------------------------------- queries


def list_claims(session: Session, *, filters: ClaimFilter, with_facets: bool = True) -> ClaimPage:
    """A page of claims for `filters`, with the total and facet counts."""
    _validate(session, filters)
    counts = _facet_counts(session, filters.cache_key()) if with_facets else None
    total = counts["__total__"] if counts else _count(session, filters.cache_key())
    statement = (
        _rows_query()
        .where(*_where(session, filters))
        .order_by(*_order(filters.sort))
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    rows = session.connection().execute(statement).mappings().all()
    items = _with_checks(session, rows)
    facets = _facet_values(session, filters, counts) if counts else {}
    return ClaimPage(
        items=items, total=total, page=filters.page, per_page=filters.per_page, facets=facets
    )


def list_project_claims(session: Session, *, slug: str, limit: int) -> tuple[list[ClaimRow], int]:
    """A known project's claims, as `list_claims` with `project=[slug]` pages them, and their
    total: the project is not looked up again, and fewer than `limit` rows are the total."""
    filters = ClaimFilter(project=[slug], per_page=limit)
    found = session.connection().execute(_project_claims(), {"slug": slug, "limit": limit})
    items = _with_checks(session, found.mappings().all())
    total = len(items) if len(items) < limit else _count(session, filters.cache_key())
    return items, total


# Statements built once, values bound per call: building them cost more than running them.


@lru_cache(maxsize=1)
def _project_claims() -> Any:
    """`_where` and `_order` of `ClaimFilter(project=[slug])`, the slug and limit bound."""
    return (
        _rows_query()
        .where(
            exists().where(CCF.c.metric_slug == MT.c.slug), MT.c.project_slug == bindparam("slug")
        )
        .order_by(*_order(ClaimSort.project))
        .limit(bindparam("limit"))
    )


@lru_cache(maxsize=1)
def _checks_of_claims() -> Any:
    return (
        select(CC, MT.c.canonical_value)
        .join(MT, MT.c.slug == CC.c.metric_slug)
        .where(CC.c.metric_slug.in_(bindparam("slugs", expanding=True)))
        .order_by(CC.c.metric_slug, CC.c.reading)
    )


def all_claims(session: Session, *, filters: ClaimFilter) -> list[ClaimRow]:
    """Every claim matching the filter, in its sort order (the CSV download)."""
    _validate(session, filters)
    statement = _rows_query().where(*_where(session, filters)).order_by(*_order(filters.sort))
    return _with_checks(session, session.connection().execute(statement).mappings().all())


def claim_row(session: Session, *, slug: str) -> ClaimRow | None:
    """One claim by its slug, or None when no checked claim has it."""
    statement = _rows_query().where(MT.c.slug == slug, exists().where(CC.c.metric_slug == slug))
    rows = session.connection().execute(statement).mappings().all()
    found = _with_checks(session, rows)
    return found[0] if found else None


def _filter_from_key(key: tuple[Any, ...]) -> ClaimFilter:
    verdict, project, sector, country, region, claimant, period = key
    return ClaimFilter(
        verdict=list(verdict),
        project=list(project),
        sector=list(sector),
        country=list(country),
        region=list(region),
        claimant=list(claimant),
        period=list(period),
    )


@cached("claims.count")
def _count(session: Session, key: tuple[Any, ...]) -> int:
    filters = _filter_from_key(key)
    statement = (
        select(func.count())
        .select_from(MT.join(P, P.c.slug == MT.c.project_slug))
        .where(*_where(session, filters))
    )
    return int(session.connection().execute(statement).scalar() or 0)


@cached("claims.facets")
def _facet_counts(session: Session, key: tuple[Any, ...]) -> dict[str, Any]:
    """Claims per facet value; each facet follows every filter except its own."""
    filters = _filter_from_key(key)
    conn = session.connection()
    base = MT.join(P, P.c.slug == MT.c.project_slug)

    def grouped(column: Any, facet: str, source: Any = base) -> dict[str, int]:
        statement = (
            select(column, func.count(func.distinct(MT.c.slug)))
            .select_from(source)
            .where(*_where(session, filters, skip=facet))
            .group_by(column)
        )
        return {str(v): int(n) for v, n in conn.execute(statement) if v is not None}

    return {
        "__total__": _count(session, key),
        "verdict": grouped(CC.c.verdict, "verdict", base.join(CC, CC.c.metric_slug == MT.c.slug)),
        "sector": grouped(P.c.sector_slug, "sector"),
        "country": grouped(
            PC.c.country_iso3, "country", base.join(PC, PC.c.project_slug == P.c.slug)
        ),
        "period": grouped(MT.c.period, "period"),
    }


def _facet_values(
    session: Session, filters: ClaimFilter, counts: dict[str, Any]
) -> dict[str, list[FacetValue]]:
    vocab = vocabulary(session)
    chosen_verdicts = {v.value for v in filters.verdict}
    chosen_periods = {p.value for p in filters.period}
    chosen_countries = {c.upper() for c in filters.country}
    sector_names = {slug: name for slug, (name, _parent) in vocab["sectors"].items()}

    def values(facet: str, labels: dict[str, str], chosen: set[str]) -> list[FacetValue]:
        found = counts[facet]
        listed = [
            FacetValue(value=v, label=labels.get(v, v), count=found.get(v, 0), selected=v in chosen)
            for v in dict.fromkeys([*found, *chosen])
        ]
        return listed

    verdicts = values(
        "verdict",
        {k: VERDICT_LABELS[m.Verdict(k)].capitalize() for k in VERDICT_ORDER},
        chosen_verdicts,
    )
    verdicts.sort(key=lambda f: VERDICT_ORDER.index(f.value) if f.value in VERDICT_ORDER else 9)
    sectors = values("sector", sector_names, set(filters.sector))
    sectors.sort(key=lambda f: (-f.count, f.label))
    countries = values("country", vocab["countries"], chosen_countries)
    countries.sort(key=lambda f: (-f.count, f.label))
    periods = values("period", PERIOD_LABELS, chosen_periods)
    periods.sort(
        key=lambda f: list(PERIOD_LABELS).index(f.value) if f.value in PERIOD_LABELS else 9
    )
    return {"verdict": verdicts, "sector": sectors, "country": countries, "period": periods}


def _with_checks(session: Session, rows: Any) -> list[ClaimRow]:
    """Claim rows with the summary of each of their checks (one query for the page)."""
    slugs = [row["slug"] for row in rows]
    checks: dict[str, list[ClaimCheckSummary]] = defaultdict(list)
    if slugs:
        found = session.connection().execute(_checks_of_claims(), {"slugs": slugs})
        for check in found.mappings():
            checks[check["metric_slug"]].append(_check_summary(check))
    return [_claim(row, checks[row["slug"]]) for row in rows]


def _check_summary(check: Any) -> ClaimCheckSummary:
    card, explanation = _judged(check)
    implied = ((explanation.get("ladder") or {}).get("implied") or {}).get("value")
    findings = [f"{f['name']}: {f['text']}" for f in explanation.get("findings") or []]
    # Built without validation: every value is already typed (enums and floats by the column
    # types, the verdict by _judged); validating them was a sixth of a page of new cards.
    return ClaimCheckSummary.model_construct(
        **card._asdict(),
        check=CHECK_LABELS.get(check["check_name"], check["check_name"]),
        expected_low=check["expected_low"],
        expected_high=check["expected_high"],
        expected_unit=check["expected_unit"],
        implied_factor=None if implied is None else float(implied),  # JSON may hold an int
        findings=findings,
    )


def _judged(check: Any) -> tuple[CardCheck, dict[str, Any]]:
    """A stored check as its chip shows it (the reason in one sentence), and its explanation."""
    verdict = m.Verdict(check["verdict"])
    explanation = orjson.loads(check["explanation_json"] or "{}")
    ladder_text = (explanation.get("ladder") or {}).get("verdict_text")
    reason = why(
        verdict=verdict.value,
        ratio=check["ratio"],
        low=check["expected_low"],
        high=check["expected_high"],
        unit=check["expected_unit"],
        missing=check["missing"],
        check_name=check["check_name"],
    )
    if ladder_text:
        # A power claim is judged by where its implied factor sits on the baseline ladder;
        # that sentence names the baselines, which the tonnes range alone cannot.
        reason = f"{ladder_text[0].upper()}{ladder_text[1:]}."
    blocking = [f["text"] for f in explanation.get("findings") or [] if f["severity"] == "blocking"]
    if blocking and verdict == m.Verdict.not_checkable:
        reason = f"Not checkable: {blocking[0]}"
    card = CardCheck(
        reading=check["reading"],
        verdict=verdict,
        verdict_label=VERDICT_LABELS[verdict],
        ratio=check["ratio"],
        ladder_text=ladder_text,
        weak=verdict == m.Verdict.consistent and check["expected_low"] == 0,
        why=reason,
    )
    return card, explanation


# Worst first, then as read (by reading): the order of a claim's checks.
_VERDICT_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}


def _claim(row: Any, checks: list[ClaimCheckSummary]) -> ClaimRow:
    card = _card_claim(row, [])
    checks = sorted(checks, key=lambda c: _VERDICT_RANK[c.verdict])
    return ClaimRow.model_construct(  # typed by the column types, as in _check_summary
        **(card._asdict() | {"checks": checks}),
        project_slug=row["project_slug"],
        project_name=row["project_name"],
        value=row["value"],
        value_high=row["value_high"],
        unit=row["unit"],
        qualifier=str(row["qualifier"]),
        period_label=PERIOD_LABELS.get(card.period, card.period),
        canonical_value=row["canonical_value"],
        canonical_unit=row["canonical_unit"],
        source_slug=row["source_slug"],
        source_title=row["source_title"],
        source_publisher=row["source_publisher"],
        source_url=row["source_url"],
        verdict=checks[0].verdict if checks else m.Verdict.not_checkable,
    )


def _card_claim(row: Any, checks: list[CardCheck]) -> CardClaim:
    kind = str(row["kind"])
    return CardClaim(
        slug=row["slug"],
        url=f"/claims/{row['slug']}",
        claimant=row["claimant"],
        stated_on=row["stated_on"],
        kind=kind,
        as_stated=as_stated(
            qualifier=str(row["qualifier"]),
            value=row["value"],
            value_high=row["value_high"],
            unit=row["unit"],
            kind=kind,
        ),
        period=str(row["period"]),
        baseline=row["baseline"],
        checks=sorted(checks, key=lambda c: _VERDICT_RANK[c.verdict]),
    )


# ---------------------------------------------------------------- per project


def claims_of_projects(session: Session, slugs: list[str]) -> dict[str, ProjectClaims]:
    """For each project, its claim count, main claim(s) and verdict counts (catalogue cards,
    overview headline cards). Main: CO2 tonnes first, then percentages; newest first.

    Counts and the choice of main claims come from `project_claim_summary` (kept by the
    loader, app/queries/claim_summary.py); the summaries, their main claims and those claims'
    checks are one read, a row per check, of the columns a claim line shows."""
    if not slugs:
        return {}
    found = session.connection().execute(_card_claims(), {"slugs": slugs}).mappings().all()
    summaries: dict[str, Any] = {}
    checks: dict[str, list[CardCheck]] = {}
    claim_rows: dict[str, Any] = {}
    for row in found:
        summaries.setdefault(row["summary_slug"], row)
        slug = row["slug"]
        if slug not in claim_rows:
            claim_rows[slug], checks[slug] = row, []
        if row["reading"] is not None:
            checks[slug].append(_judged(row)[0])
    claims = {slug: _card_claim(row, checks[slug]) for slug, row in claim_rows.items()}
    return {
        project: ProjectClaims(
            count=s["claims"],
            main=[claims[s[k]] for k in ("main_slug", "second_slug") if s[k]],
            verdicts={v: s[v] for v in VERDICT_ORDER if s[v]},
        )
        for project, s in summaries.items()
    }


@lru_cache(maxsize=1)
def _card_claims() -> Any:
    """Summaries of the projects bound as `slugs`, each joined to its main claims and their
    checks (LEFT: a claim without checks still has its row)."""
    claim_columns = ("slug", "claimant", "stated_on", "kind", "qualifier", "value", "value_high")
    check_columns = ("reading", "check_name", "verdict", "ratio", "expected_low", "expected_high")
    return (
        select(
            PCS.c.project_slug.label("summary_slug"),
            PCS.c.claims,
            PCS.c.main_slug,
            PCS.c.second_slug,
            *[PCS.c[v] for v in VERDICT_ORDER],
            *[MT.c[name] for name in (*claim_columns, "unit", "period", "baseline")],
            *[CC.c[name] for name in (*check_columns, "expected_unit", "missing")],
            CC.c.explanation_json,
        )
        .select_from(
            PCS.join(MT, MT.c.slug.in_([PCS.c.main_slug, PCS.c.second_slug])).outerjoin(
                CC, CC.c.metric_slug == MT.c.slug
            )
        )
        .where(PCS.c.project_slug.in_(bindparam("slugs", expanding=True)))
        .order_by(MT.c.slug, CC.c.reading)
    )


def verdict_totals(session: Session) -> dict[str, int]:
    """Claims checked in all, and claims per (worst) verdict: the overview's first line."""
    return _verdict_totals(session)


@cached("claims.verdict-totals")
def _verdict_totals(session: Session) -> dict[str, int]:
    rank = case(*[(CC.c.verdict == v, i) for i, v in enumerate(VERDICT_ORDER)], else_=9)
    worst = select(func.min(rank).label("rank")).group_by(CC.c.metric_slug).subquery()
    counted = select(worst.c.rank, func.count()).group_by(worst.c.rank)
    by_rank = {int(r): int(n) for r, n in session.connection().execute(counted)}
    projects = select(func.count(func.distinct(CC.c.project_slug)))
    totals = {"claims": sum(by_rank.values())}
    totals["projects"] = int(session.connection().execute(projects).scalar() or 0)
    totals |= {v: by_rank.get(i, 0) for i, v in enumerate(VERDICT_ORDER)}
    return totals
