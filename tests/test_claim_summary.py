"""The claims a card shows, read from `project_claim_summary`, equal the rule applied claim by
claim in Python: every checked claim of the project read whole, the main one chosen by kind
(CO2 tonnes, then percentages, ...), newest, largest, slug; a second main claim of the other
of the first two kinds; counts per worst verdict. On the seed (real verdicts of every kind)
plus a generated dataset loaded on top (so the loader's rebuild runs after a second load).
Runs on SQLite and, with BRI_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import exists, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import models as m
from app.queries.claim_list import (
    CC,
    KIND_ORDER,
    MT,
    VERDICT_ORDER,
    CardCheck,
    CardClaim,
    ClaimRow,
    ProjectClaims,
    _rows_query,
    _with_checks,
    claims_of_projects,
)
from tests.helpers import seed_plus_generated


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = seed_plus_generated(tmp_path_factory.mktemp("claim-summary"), "claimsummary", 300)
    yield engine
    engine.dispose()


def _main_key(claim: ClaimRow) -> tuple[Any, ...]:
    kind_rank = KIND_ORDER.index(claim.kind) if claim.kind in KIND_ORDER else len(KIND_ORDER)
    newest = -(claim.stated_on.toordinal()) if claim.stated_on else 0
    return (kind_rank, claim.stated_on is None, newest, -(claim.canonical_value or 0), claim.slug)


def _expected(claims: list[ClaimRow]) -> ProjectClaims:
    ordered = sorted(claims, key=_main_key)
    main = ordered[:1]
    other = next(
        (c for c in ordered[1:] if c.kind != ordered[0].kind and c.kind in KIND_ORDER[:2]), None
    )
    main += [other] if other is not None else []
    counts = Counter(c.verdict.value for c in claims)
    verdicts = {v: counts[v] for v in VERDICT_ORDER if counts[v]}
    return ProjectClaims(count=len(claims), main=[_as_card(c) for c in main], verdicts=verdicts)


def _as_card(claim: ClaimRow) -> CardClaim:
    """What a card line shows of a claim the explorer lists: the card's read must agree."""
    checks = [CardCheck(**{f: getattr(c, f) for f in CardCheck._fields}) for c in claim.checks]
    fields = {f: getattr(claim, f) for f in CardClaim._fields}
    return CardClaim(**(fields | {"checks": checks}))


def _every_claim_by_project(session: Session) -> dict[str, list[ClaimRow]]:
    statement = _rows_query().where(exists().where(CC.c.metric_slug == MT.c.slug))
    claims = _with_checks(session, session.connection().execute(statement).mappings().all())
    by_project: dict[str, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        by_project[claim.project_slug].append(claim)
    return by_project


def test_card_claims_from_the_summary_equal_the_rule_applied_claim_by_claim(
    loaded: Engine,
) -> None:
    P = m.Project.__table__  # type: ignore[attr-defined]
    with Session(loaded) as session:
        every = _every_claim_by_project(session)
        slugs = list(session.connection().execute(select(P.c.slug)).scalars())
        found = {}
        for start in range(0, len(slugs), 50):  # a catalogue page at a time
            found |= claims_of_projects(session, slugs[start : start + 50])
    assert len(every) > 300
    assert set(found) == set(every)  # a project without checked claims has no summary
    for slug, claims in every.items():
        assert found[slug] == _expected(claims), slug
    kinds = Counter(len(found[s].main) for s in found)
    assert kinds[1] and kinds[2]  # both shapes of card are exercised
    verdicts = Counter(v for s in found for v in found[s].verdicts)
    assert len(verdicts) >= 3, verdicts
