"""Claim checks as pages, the API and the CLI show them: each stored check with its claim, the
arithmetic, and every input resolved to its source (slug, title, URL)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session

from app import models as m
from app.checks import project_expected_power
from app.queries.cache import cached

CC = m.ClaimCheck.__table__  # type: ignore[attr-defined]
MT = m.Metric.__table__  # type: ignore[attr-defined]
PT = m.Project.__table__  # type: ignore[attr-defined]
ST = m.Source.__table__  # type: ignore[attr-defined]
RFT = m.ReferenceFactor.__table__  # type: ignore[attr-defined]

VERDICT_LABELS = {
    m.Verdict.consistent: "consistent",
    m.Verdict.above_range: "above range",
    m.Verdict.below_range: "below range",
    m.Verdict.not_checkable: "not checkable",
}
CHECK_LABELS = {
    "power": "Power: implied factor on the baseline ladder",
    "freight": "Freight: tonnes × haul × (road − rail factor)",
    "passengers": "Passengers: passenger-km × (displaced mode − rail factor)",
    "percentage": "Percentage: reduction against the stated baseline",
    "intensity": "Intensity: against sourced factors of the same mode",
    "none": "No check applies",
}


class CheckInput(BaseModel):
    """One input of a check: the claim itself, an activity figure or a reference factor."""

    name: str = Field(description="Role of the input: claim, generation, road factor, ...")
    value: float | str | None = Field(description="Value in `unit`")
    unit: str | None = Field(default=None, description="Unit of the value")
    ref: str | None = Field(default=None, description="Metric or reference-factor slug")
    detail: str | None = Field(default=None, description="Country, mode, year, own range")
    source_slug: str | None = Field(default=None, description="Source of this input")
    source_title: str | None = Field(default=None, description="Title of the source")
    source_url: str | None = Field(default=None, description="URL of the source, if known")


class CheckView(BaseModel):
    """One claim checked under one reading of its wording."""

    project_slug: str
    project_name: str
    metric_slug: str = Field(description="The claim (a metric) this check is about")
    reading: str = Field(description="Reading of the wording: as stated, annual, coal baseline…")
    check_name: str = Field(description="power, freight, passengers, percentage or intensity")
    check_label: str
    verdict: m.Verdict
    verdict_label: str = Field(description="consistent, above range, below range, not checkable")
    ratio: float | None = Field(
        description="Claim ÷ middle of the expected range; for power claims the implied "
        "factor ÷ the middle of the grid average"
    )
    expected_low: float | None
    expected_high: float | None
    expected_unit: str | None
    missing: str | None = Field(description="The input that makes the claim not checkable")
    claim_kind: str
    claim_value: float
    claim_value_high: float | None
    claim_unit: str = Field(description="Unit as stated")
    claim_canonical_value: float | None = Field(description="Claim in the canonical unit")
    claim_canonical_unit: str | None = Field(description="Canonical unit, e.g. t/yr")
    claim_qualifier: str
    claim_period: str
    claim_baseline: str | None
    claim_scope: str
    claimant: str | None
    stated_on: date | None
    source_slug: str | None
    source_title: str | None
    source_url: str | None
    has_source: bool = Field(description="Whether the claim's source exists in the dataset")
    inputs: list[CheckInput] = Field(default_factory=list)
    arithmetic: list[str] = Field(default_factory=list, description="The computation, as text")
    ambiguities: list[str] = Field(default_factory=list, description="Ambiguous wording")
    other_readings: list[dict[str, Any]] = Field(
        default_factory=list, description="Readings folded in because they give the same verdict"
    )
    how: str | None = Field(default=None, description="How the expected range was formed")
    findings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Sanity findings (name, severity, text); a blocking one withholds the verdict",
    )
    ladder: dict[str, Any] | None = Field(
        default=None,
        description="Power claims: the implied factor (t CO2/MWh), the baseline rungs it was "
        "placed on (each with sources and year) and the verdict text",
    )

    @property
    def verdict_text(self) -> str | None:
        """The sentence naming the baselines a power claim is consistent with."""
        return (self.ladder or {}).get("verdict_text")


class ExpectedOnly(BaseModel):
    """What a project's activity data imply when no claim exists to compare with."""

    low: float
    high: float
    unit: str
    note: str
    inputs: list[CheckInput]
    arithmetic: list[str]


class ProjectChecks(BaseModel):
    """The checks of one project's emission claims."""

    project_slug: str
    checks: list[CheckView]
    no_claim: str | None = Field(
        default=None, description="Said when the project has no checkable emission claim"
    )
    expected_without_claim: ExpectedOnly | None = None


def _query() -> Any:
    return (
        select(
            CC,
            PT.c.name.label("project_name"),
            MT.c.kind.label("claim_kind"),
            MT.c.value.label("claim_value"),
            MT.c.value_high.label("claim_value_high"),
            MT.c.unit.label("claim_unit"),
            MT.c.canonical_value.label("claim_canonical_value"),
            MT.c.canonical_unit.label("claim_canonical_unit"),
            MT.c.qualifier.label("claim_qualifier"),
            MT.c.period.label("claim_period"),
            MT.c.baseline.label("claim_baseline"),
            MT.c.scope.label("claim_scope"),
            MT.c.claimant,
            MT.c.stated_on,
            MT.c.source_slug,
            ST.c.slug.label("found_source"),
            ST.c.title.label("source_title"),
            ST.c.url.label("source_url"),
        )
        .join(MT, MT.c.slug == CC.c.metric_slug)
        .join(PT, PT.c.slug == CC.c.project_slug)
        .outerjoin(ST, ST.c.slug == MT.c.source_slug)
        .order_by(CC.c.project_slug, CC.c.metric_slug, CC.c.reading)
    )


def _sources(session: Session, slugs: set[str]) -> dict[str, tuple[str, str | None]]:
    if not slugs:
        return {}
    rows = session.connection().execute(
        select(ST.c.slug, ST.c.title, ST.c.url).where(ST.c.slug.in_(sorted(slugs)))
    )
    return {slug: (title, url) for slug, title, url in rows}


def _inputs(
    raw: list[dict[str, Any]], sources: dict[str, tuple[str, str | None]]
) -> list[CheckInput]:
    inputs = []
    for item in raw:
        detail = ", ".join(
            str(item[k]) for k in ("country", "mode", "year", "qualifier") if item.get(k)
        )
        if item.get("range"):
            detail += f"{', ' if detail else ''}own range {item['range']}"
        title, url = sources.get(item.get("source_slug") or "", (None, None))
        inputs.append(
            CheckInput(
                name=item["name"],
                value=item.get("value"),
                unit=item.get("unit"),
                ref=item.get("ref"),
                detail=detail or None,
                source_slug=item.get("source_slug"),
                source_title=title,
                source_url=url,
            )
        )
    return inputs


def _views(session: Session, rows: list[Any]) -> list[CheckView]:
    explanations = [json.loads(r.explanation_json) for r in rows]
    slugs = {i.get("source_slug") for e in explanations for i in e.get("inputs", [])}
    sources = _sources(session, {s for s in slugs if s})
    views = []
    for row, exp in zip(rows, explanations, strict=True):
        verdict = m.Verdict(row.verdict)
        views.append(
            CheckView(
                project_slug=row.project_slug,
                project_name=row.project_name,
                metric_slug=row.metric_slug,
                reading=row.reading,
                check_name=row.check_name,
                check_label=CHECK_LABELS.get(row.check_name, row.check_name),
                verdict=verdict,
                verdict_label=VERDICT_LABELS[verdict],
                ratio=row.ratio,
                expected_low=row.expected_low,
                expected_high=row.expected_high,
                expected_unit=row.expected_unit,
                missing=row.missing,
                claim_kind=str(row.claim_kind),
                claim_value=row.claim_value,
                claim_value_high=row.claim_value_high,
                claim_unit=row.claim_unit,
                claim_canonical_value=row.claim_canonical_value,
                claim_canonical_unit=row.claim_canonical_unit,
                claim_qualifier=str(row.claim_qualifier),
                claim_period=str(row.claim_period),
                claim_baseline=row.claim_baseline,
                claim_scope=str(row.claim_scope),
                claimant=row.claimant,
                stated_on=row.stated_on,
                source_slug=row.source_slug,
                source_title=row.source_title,
                source_url=row.source_url,
                has_source=row.found_source is not None,
                inputs=_inputs(exp.get("inputs", []), sources),
                arithmetic=exp.get("arithmetic", []),
                ambiguities=exp.get("ambiguities", []),
                other_readings=exp.get("other_readings", []),
                how=exp.get("how"),
                findings=exp.get("findings", []),
                ladder=exp.get("ladder"),
            )
        )
    return views


@cached("checks.all")
def _all_checks(session: Session) -> list[CheckView]:
    rows = list(session.connection().execute(_query()))
    return _views(session, rows)


def all_checks(session: Session) -> list[CheckView]:
    """Every stored claim check, ordered by project, claim and reading."""
    return _all_checks(session)


@cached("checks.project")
def _project_checks(session: Session, slug: str) -> ProjectChecks:
    rows = list(session.connection().execute(_query().where(CC.c.project_slug == slug)))
    checks = _views(session, rows)
    result = ProjectChecks(project_slug=slug, checks=checks)
    has_co2_claim = any(c.claim_kind == m.MetricKind.emissions_avoided.value for c in checks)
    if has_co2_claim:
        return result
    if not checks:
        result.no_claim = "No emission claim was found in any source read for this project."
    expected = project_expected_power(session.connection(), slug)
    if expected is not None and expected.expected is not None:
        explanation = expected.explanation()
        slugs = {i.get("source_slug") for i in explanation["inputs"] if i.get("source_slug")}
        result.expected_without_claim = ExpectedOnly(
            low=expected.expected.low,
            high=expected.expected.high,
            unit="t/yr",
            note="Expected avoided CO2 from the project's annual generation and its country's "
            "grid factor; there is no claim to compare it with.",
            inputs=_inputs(explanation["inputs"], _sources(session, slugs)),
            arithmetic=expected.arithmetic,
        )
    return result


def checks_for_project(session: Session, *, slug: str) -> ProjectChecks:
    """The checks of one project's claims; for a project with no CO2 claim, also the range its
    generation and grid factor imply (shown without a verdict)."""
    return _project_checks(session, slug)


class LadderRow(BaseModel):
    """One power claim placed on its country's baseline ladder (a row of the ladder chart)."""

    project_slug: str
    project_name: str
    metric_slug: str
    reading: str
    verdict: m.Verdict
    ladder: dict[str, Any]


LADDER_LIMIT = 40


@cached("checks.ladder")
def _ladder_rows(session: Session, project_slug: str | None, limit: int) -> list[LadderRow]:
    query = (
        select(
            CC.c.project_slug,
            PT.c.name,
            CC.c.metric_slug,
            CC.c.reading,
            CC.c.verdict,
            CC.c.explanation_json,
        )
        .join(MT, MT.c.slug == CC.c.metric_slug)
        .join(PT, PT.c.slug == CC.c.project_slug)
        .where(CC.c.check_name == "power")
        .order_by(MT.c.canonical_value.desc(), CC.c.metric_slug, CC.c.reading)
        .limit(limit * 4)  # a few have no implied factor (no generation figure)
    )
    if project_slug is not None:
        query = query.where(CC.c.project_slug == project_slug)
    rows = []
    for slug, name, metric, reading, verdict, explanation in session.connection().execute(query):
        ladder = json.loads(explanation).get("ladder") or {}
        if not (ladder.get("implied") and ladder.get("rungs")):
            continue  # no implied factor: nothing to place
        rows.append(
            LadderRow(
                project_slug=slug,
                project_name=name,
                metric_slug=metric,
                reading=reading,
                verdict=m.Verdict(verdict),
                ladder=ladder,
            )
        )
        if len(rows) >= limit:
            break
    return rows


def ladder_rows(
    session: Session, *, project_slug: str | None = None, limit: int = LADDER_LIMIT
) -> list[LadderRow]:
    """Power claims with an implied factor and their ladders: the `limit` largest claims, of
    one project or of all (a bounded read: the overview costs the same at any size)."""
    return _ladder_rows(session, project_slug, limit)
