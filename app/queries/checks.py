"""Claim checks as pages, the API and the CLI show them: each stored check with its claim, the
arithmetic, and every input resolved to its source (slug, title, URL)."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import bindparam, select
from sqlmodel import Session

from app import models as m
from app.checks import project_expected_power
from app.queries.cache import cached
from app.sources.model import SourceOut
from app.sources.queries import sources_by_slug

CC = m.ClaimCheck.__table__  # type: ignore[attr-defined]
MT = m.Metric.__table__  # type: ignore[attr-defined]
PT = m.Project.__table__  # type: ignore[attr-defined]
SO = m.Source.__table__  # type: ignore[attr-defined]
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
            SO.c.slug.label("found_source"),
            SO.c.title.label("source_title"),
            SO.c.url.label("source_url"),
        )
        .join(MT, MT.c.slug == CC.c.metric_slug)
        .join(PT, PT.c.slug == CC.c.project_slug)
        .outerjoin(SO, SO.c.slug == MT.c.source_slug)
        .order_by(CC.c.project_slug, CC.c.metric_slug, CC.c.reading)
    )


@lru_cache(maxsize=1)
def _project_query() -> Any:
    # Built once, the slug bound per call: building it cost more than running it.
    return _query().where(CC.c.project_slug == bindparam("slug"))


def _inputs(raw: list[dict[str, Any]], sources: dict[str, SourceOut]) -> list[CheckInput]:
    inputs = []
    for item in raw:
        detail = ", ".join(
            str(item[k]) for k in ("country", "mode", "year", "qualifier") if item.get(k)
        )
        if item.get("range"):
            detail += f"{', ' if detail else ''}own range {item['range']}"
        source = sources.get(item.get("source_slug") or "")
        inputs.append(
            CheckInput(
                name=item["name"],
                value=item.get("value"),
                unit=item.get("unit"),
                ref=item.get("ref"),
                detail=detail or None,
                source_slug=item.get("source_slug"),
                source_title=source.title if source else None,
                source_url=source.url if source else None,
            )
        )
    return inputs


def _views(session: Session, rows: list[Any], view: type[CheckView] = CheckView) -> list[CheckView]:
    explanations = [json.loads(r.explanation_json) for r in rows]
    slugs = {i.get("source_slug") for e in explanations for i in e.get("inputs", [])}
    sources = sources_by_slug(session, slugs)
    views = []
    for row, exp in zip(rows, explanations, strict=True):
        verdict = m.Verdict(row.verdict)
        views.append(
            view(
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
def all_checks(session: Session) -> list[CheckView]:
    """Every stored claim check, ordered by project, claim and reading."""
    rows = list(session.connection().execute(_query()))
    return _views(session, rows)


@cached("checks.project")
def checks_for_project(session: Session, *, slug: str) -> ProjectChecks:
    """The checks of one project's claims; for a project with no CO2 claim, also the range its
    generation and grid factor imply (shown without a verdict)."""
    return project_checks(session, slug=slug)


def project_checks(
    session: Session, *, slug: str, view: type[CheckView] | None = None
) -> ProjectChecks:
    """`checks_for_project` read afresh, each check built as `view` (a CheckView subclass such
    as the API's ClaimCheckOut, built from the row rather than converted afterwards)."""
    rows = list(session.connection().execute(_project_query(), {"slug": slug}))
    checks = _views(session, rows, view or CheckView)
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
            inputs=_inputs(explanation["inputs"], sources_by_slug(session, slugs)),
            arithmetic=expected.arithmetic,
        )
    return result


class LadderRow(BaseModel):
    """One power claim placed on its country's baseline ladder (a row of the ladder chart)."""

    project_slug: str
    project_name: str
    metric_slug: str
    reading: str
    verdict: m.Verdict
    ladder: dict[str, Any]
    claimant: str | None = None  # who and when: what the chart labels the row with
    stated_on: date | None = None


LADDER_LIMIT = 40


@cached("checks.ladder")
def ladder_rows(
    session: Session, *, project_slug: str | None = None, limit: int = LADDER_LIMIT
) -> list[LadderRow]:
    """Power claims with an implied factor and their ladders: the `limit` largest claims, of
    one project or of all (a bounded read: the overview costs the same at any size)."""
    params: dict[str, Any] = {"limit": limit * 4}  # a few have no implied factor
    if project_slug is not None:
        params["slug"] = project_slug
    rows = []
    for (
        slug,
        name,
        metric,
        reading,
        verdict,
        explanation,
        claimant,
        stated_on,
    ) in session.connection().execute(_ladder_query(project_slug is not None), params):
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
                claimant=claimant,
                stated_on=stated_on,
            )
        )
        if len(rows) >= limit:
            break
    return rows


@lru_cache(maxsize=2)
def _ladder_query(of_project: bool) -> Any:
    """Power claims, largest first; built once, the project and limit bound per call."""
    query = (
        select(
            CC.c.project_slug,
            PT.c.name,
            CC.c.metric_slug,
            CC.c.reading,
            CC.c.verdict,
            CC.c.explanation_json,
            MT.c.claimant,
            MT.c.stated_on,
        )
        .join(MT, MT.c.slug == CC.c.metric_slug)
        .join(PT, PT.c.slug == CC.c.project_slug)
        .where(CC.c.check_name == "power")
        .order_by(MT.c.canonical_value.desc(), CC.c.metric_slug, CC.c.reading)
        .limit(bindparam("limit"))
    )
    if of_project:
        query = query.where(CC.c.project_slug == bindparam("slug"))
    return query


# ---------------------------------------------------------------- claim checks
# The view models above, documented for the API: the descriptions below fill the fields that
# have none there, so /docs explains every field.

CHECK_FIELD_DOCS = {
    "project_slug": "Slug of the project the claim is about",
    "project_name": "Name of the project",
    "check_label": "What the check computes, in words",
    "verdict": "consistent, above_range, below_range or not_checkable",
    "expected_low": "Low end of the range the sourced inputs imply",
    "expected_high": "High end of the range the sourced inputs imply",
    "expected_unit": "Unit of the expected range (e.g. t/yr)",
    "claim_kind": "Kind of the claimed figure (emissions_avoided, ...)",
    "claim_value": "The claimed value as stated",
    "claim_value_high": "Upper end of a claimed range",
    "claim_qualifier": "exact, about, almost, over, under or up_to, as worded",
    "claim_period": "annual, cumulative, one_off or unspecified",
    "claim_baseline": "What the claim says the saving is measured against",
    "claim_scope": "operational, lifecycle, direct or unspecified",
    "claimant": "Who made the claim, as text",
    "stated_on": "Date the claim was made",
    "source_slug": "Source of the claim",
    "source_title": "Title of the claim's source",
    "source_url": "Address of the claim's source",
    "inputs": "Every input of the computation with its value, unit and source",
    "low": "Low end of the expected range",
    "high": "High end of the expected range",
    "unit": "Unit of the range",
    "note": "What the range is and why there is no verdict",
    "arithmetic": "The computation, line by line",
}


def _describe(schema: dict[str, Any]) -> None:
    for name, spec in schema.get("properties", {}).items():
        if not spec.get("description") and name in CHECK_FIELD_DOCS:
            spec["description"] = CHECK_FIELD_DOCS[name]


class ClaimCheckOut(CheckView):
    """One emission claim checked under one reading of its wording, with the arithmetic and the
    source of every input."""

    model_config = ConfigDict(json_schema_extra=_describe)


class ExpectedRangeOut(ExpectedOnly):
    """The range a project's activity data imply when it has no claim to compare with."""

    model_config = ConfigDict(json_schema_extra=_describe)
