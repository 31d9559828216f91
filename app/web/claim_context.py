"""What the overview, catalogue and project pages show about claims: verdict totals, the
claim ÷ expected chart, and each project's main claims with their verdict chips."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app import charts
from app.queries.checks import VERDICT_LABELS, checks_for_project
from app.queries.claim_list import (
    ClaimFilter,
    ClaimSort,
    claims_of_projects,
    list_claims,
    list_project_claims,
    verdict_totals,
)

PROJECT_CLAIMS = 200  # a project page's claims at a glance (none has nearly so many)
RATIO_ROWS = 60  # rows in the claim ÷ expected chart; the claims page lists every claim
VERDICT_WORDS = {v.value: label for v, label in VERDICT_LABELS.items()}


def ratio_chart(session: Session, *, chart_id: str = "ratios") -> charts.Chart:
    """The claim ÷ expected chart over the claims with the largest ratios."""
    page = list_claims(
        session,
        filters=ClaimFilter(sort=ClaimSort.ratio_desc, per_page=RATIO_ROWS),
        with_facets=False,
    )
    # Claims whose every reading is not checkable have no ratio: they are not "left out".
    totals = verdict_totals(session)
    return charts.claim_ratio_chart(
        page.items,
        chart_id=chart_id,
        total=totals["claims"] - totals["not_checkable"],
        data_url="/claims.csv?sort=-ratio",
    )


def project_claims(session: Session, slugs: list[str], *, expected: bool = False) -> dict[str, Any]:
    """slug -> {count, main, verdicts, expected}: a card's claims. With `expected`, a project
    without a claim gets what its own data imply (a check module's expected-only range)."""
    found = claims_of_projects(session, slugs)
    cards: dict[str, Any] = {}
    for slug in slugs:
        claims = found.get(slug)
        card: dict[str, Any] = {
            "count": claims.count if claims else 0,
            "main": claims.main if claims else [],
            "verdicts": claims.verdicts if claims else {},
            "expected": None,
        }
        if expected and not claims:
            card["expected"] = checks_for_project(session, slug=slug).expected_without_claim
        cards[slug] = card
    return cards


def overview_context(session: Session, headline_slugs: list[str]) -> dict[str, Any]:
    """The finding the overview leads with, its chart and the headline cards' claims."""
    return {
        "totals": verdict_totals(session),
        "verdict_words": VERDICT_WORDS,
        "ratio_chart": ratio_chart(session),
        "headline_claims": project_claims(session, headline_slugs, expected=True),
    }


def project_claims_summary(session: Session, slug: str) -> dict[str, Any]:
    """A project page's claims at a glance (the same figure from several claimants grouped,
    with its distinct verdicts) and its own claim ÷ expected chart."""
    claims, total = list_project_claims(session, slug=slug, limit=PROJECT_CLAIMS)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for claim in claims:
        group = groups.setdefault(
            (claim.kind, claim.as_stated, claim.period),
            {"first": claim, "claims": [], "checks": []},
        )
        group["claims"].append(claim)
        seen = {(c.reading, c.verdict, c.ratio and round(c.ratio, 1)) for c in group["checks"]}
        for check in claim.checks:
            key = (check.reading, check.verdict, check.ratio and round(check.ratio, 1))
            if key not in seen:
                group["checks"].append(check)
                seen.add(key)
    ordered = sorted(groups.values(), key=lambda g: len(g["claims"]), reverse=True)
    chart = charts.claim_ratio_chart(
        claims,
        chart_id="project-ratios",
        data_url=f"/claims.csv?project={slug}",
    )
    return {"claim_groups": ordered, "claim_count": total, "project_ratio_chart": chart}
