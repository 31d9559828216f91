"""Financing, cross-walk ids and organisations: who lent what, and everything an
organisation does across projects. Keyword-only functions returning the models of
app/financing/model.py and org_schemas.py; pages and the API call the same ones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, or_, select
from sqlmodel import Session

from app import models as m
from app.filtering import UnknownFilterValue
from app.financing.model import ExternalIdOut, FinancingOut, LenderRef
from app.financing.org_schemas import (
    AmountRow,
    OrganizationDetail,
    OrganizationRole,
    OrganizationSummary,
)
from app.organizations.model import OrganizationRef
from app.projects.model import ProjectRef
from app.queries.cache import cached

P = m.Project.__table__  # type: ignore[attr-defined]
PP = m.ProjectParty.__table__  # type: ignore[attr-defined]
O = m.Organization.__table__  # type: ignore[attr-defined]  # noqa: E741
F = m.Financing.__table__  # type: ignore[attr-defined]
X = m.ExternalId.__table__  # type: ignore[attr-defined]
SO = m.Source.__table__  # type: ignore[attr-defined]
ST = m.Statement.__table__  # type: ignore[attr-defined]
SECTOR = m.Sector.__table__  # type: ignore[attr-defined]
SYSTEM_NAMES = {
    "aiddata": "AidData GCDF 3.0",
    "osm": "OpenStreetMap",
    "gem": "Global Energy Monitor",
    "wikidata": "Wikidata",
    "cdm": "UNFCCC CDM",
    "verra": "Verra",
}


def _financing_select() -> Any:
    return (
        select(F, P.c.name.label("project_name"), O.c.name.label("lender_name"),
               O.c.kind.label("lender_kind"))
        .join(P, P.c.slug == F.c.project_slug)
        .outerjoin(O, O.c.slug == F.c.lender_slug)
        .order_by(F.c.committed_on.is_(None), F.c.committed_on, F.c.slug)
    )  # fmt: skip


@lru_cache(maxsize=1)
def _project_queries() -> dict[str, Any]:
    """A project's financing and ids, built once with the slug bound per call (building a
    statement cost more than running it)."""
    slug: BindParameter[str] = bindparam("slug")
    return {
        "financing": _financing_select().where(F.c.project_slug == slug),
        "ids": select(X).where(X.c.project_slug == slug).order_by(X.c.system, X.c.value),
    }


def _financing_rows(
    session: Session, statement: Any, params: dict[str, Any] | None = None
) -> list[FinancingOut]:
    """The financing records a `_financing_select()` statement reads."""
    rows = session.connection().execute(statement, params).mappings().all()
    if not rows:
        return []  # most projects: no second query for no sources
    wanted = sorted({r["source_slug"] for r in rows})
    urls: dict[str, str | None] = {
        slug: url
        for slug, url in session.connection().execute(
            select(SO.c.slug, SO.c.url).where(SO.c.slug.in_(wanted))
        )
    }
    return [
        FinancingOut(
            slug=row["slug"],
            project_slug=row["project_slug"],
            project_name=row["project_name"],
            lender=(
                LenderRef(slug=row["lender_slug"], name=row["lender_name"], kind=row["lender_kind"])
                if row["lender_slug"]
                else None
            ),
            co_lenders=row["co_lenders"],
            amount_usd_2021=row["amount_usd_2021"],
            amount_wording=row["amount_wording"],
            instrument=row["instrument"],
            committed_on=row["committed_on"],
            commitment_year=row["commitment_year"],
            status=row["status"],
            title=row["title"],
            aiddata_id=row["aiddata_id"],
            source_slug=row["source_slug"],
            source_url=urls.get(row["source_slug"]),
        )
        for row in rows
    ]


def project_financing(session: Session, *, slug: str) -> list[FinancingOut]:
    """A project's financing records, oldest commitment first."""
    statement = _project_queries()["financing"]
    return _financing_rows(session, statement, {"slug": slug})


def project_external_ids(session: Session, *, slug: str) -> list[ExternalIdOut]:
    """A project's ids in other databases, with links."""
    rows = session.connection().execute(_project_queries()["ids"], {"slug": slug})
    return [
        ExternalIdOut(
            system=row.system,
            system_name=SYSTEM_NAMES.get(row.system, row.system),
            value=row.value,
            url=row.url,
        )
        for row in rows
    ]


def projects_with_external_id(session: Session, *, system: str, value: str) -> list[str]:
    """Slugs of the projects that carry `value` in `system` (e.g. an AidData record id)."""
    statement = select(X.c.project_slug).where(X.c.system == system, X.c.value == value)
    return sorted(session.connection().execute(statement).scalars())


# ---------------------------------------------------------------- organisations


@cached("organizations")
def list_organizations(session: Session) -> list[OrganizationSummary]:
    """Every organisation with its number of projects (as a party or a lender) and lending."""
    conn = session.connection()
    projects: dict[str, set[str]] = defaultdict(set)
    for org, project in conn.execute(select(PP.c.organization_slug, PP.c.project_slug)):
        projects[org].add(project)
    lent: dict[str, tuple[int, float]] = {}
    for org, project, n, total in conn.execute(
        select(F.c.lender_slug, F.c.project_slug, func.count(), func.sum(F.c.amount_usd_2021))
        .where(F.c.lender_slug.is_not(None))
        .group_by(F.c.lender_slug, F.c.project_slug)
    ):
        projects[org].add(project)
        count, amount = lent.get(org, (0, 0.0))
        lent[org] = (count + n, amount + (total or 0.0))
    rows = conn.execute(select(O).order_by(O.c.name)).mappings().all()
    return [
        OrganizationSummary(
            **_org_ref(row).model_dump(),
            project_count=len(projects.get(row["slug"], ())),
            financing_count=lent.get(row["slug"], (0, 0.0))[0],
            lent_usd_2021=lent.get(row["slug"], (0, 0.0))[1] or None,
        )
        for row in rows
    ]


def _org_ref(row: Any) -> OrganizationRef:
    return OrganizationRef(
        slug=row["slug"],
        name=row["name"],
        local_name=row["local_name"],
        kind=row["kind"],
        country=row["country_iso3"],
    )


def organization_detail(session: Session, *, slug: str) -> OrganizationDetail | None:
    """An organisation: its roles across projects, what it lent, and its statements."""
    conn = session.connection()
    row = conn.execute(select(O).where(O.c.slug == slug)).mappings().first()
    if row is None:
        return None
    roles = [
        OrganizationRole(project=ProjectRef(slug=p, name=name), role=role, note=note)
        for p, name, role, note in conn.execute(
            select(PP.c.project_slug, P.c.name, PP.c.role, PP.c.note)
            .join(P, P.c.slug == PP.c.project_slug)
            .where(PP.c.organization_slug == slug)
            .order_by(P.c.name, PP.c.role)
        )
    ]
    financing = _financing_rows(session, _financing_select().where(F.c.lender_slug == slug))
    statement_count = conn.execute(
        select(func.count()).select_from(ST).where(ST.c.organization_slug == slug)
    ).scalar()
    return OrganizationDetail(
        **_org_ref(row).model_dump(),
        note=row["note"],
        roles=roles,
        financing=financing,
        lent_usd_2021=sum(f.amount_usd_2021 or 0 for f in financing) or None,
        statement_count=int(statement_count or 0),
    )


# ---------------------------------------------------------------- amounts for charts


@cached("amounts-by-lender")
def amounts_by_lender(session: Session, limit: int = 15) -> list[AmountRow]:
    """Committed amounts (constant 2021 USD) summed per lender, largest first."""
    statement = (
        select(O.c.slug, O.c.name, func.sum(F.c.amount_usd_2021), func.count())
        .join(O, O.c.slug == F.c.lender_slug)
        .where(F.c.amount_usd_2021.is_not(None))
        .group_by(O.c.slug, O.c.name)
        .order_by(func.sum(F.c.amount_usd_2021).desc(), O.c.slug)
        .limit(limit)
    )
    return [
        AmountRow(key=slug, label=name, amount_usd_2021=total or 0.0, records=n)
        for slug, name, total, n in session.connection().execute(statement)
    ]


def amounts_by_sector_year(session: Session, *, lender: str | None = None) -> list[AmountRow]:
    """Committed amounts summed per sector and commitment year (of one lender, or of all)."""
    return list(_amounts_by_sector_year(session, lender or ""))


@cached("amounts-by-sector-year")
def _amounts_by_sector_year(session: Session, lender: str) -> tuple[AmountRow, ...]:
    conditions = [F.c.amount_usd_2021.is_not(None), F.c.commitment_year.is_not(None)]
    if lender:
        conditions.append(F.c.lender_slug == lender)
    statement = (
        select(P.c.sector_slug, SECTOR.c.name, F.c.commitment_year,
               func.sum(F.c.amount_usd_2021), func.count())
        .join(P, P.c.slug == F.c.project_slug)
        .join(SECTOR, SECTOR.c.slug == P.c.sector_slug)
        .where(*conditions)
        .group_by(P.c.sector_slug, SECTOR.c.name, F.c.commitment_year)
        .order_by(F.c.commitment_year, P.c.sector_slug)
    )  # fmt: skip
    return tuple(
        AmountRow(key=sector, label=name, year=year, amount_usd_2021=total or 0.0, records=n)
        for sector, name, year, total, n in session.connection().execute(statement)
    )


@cached("organization-names")
def lender_names(session: Session) -> dict[str, str]:
    """Organisation slug -> name, for the lender facet's labels."""
    rows = session.connection().execute(select(O.c.slug, O.c.name))
    return {slug: name for slug, name in rows}


def require_lenders(session: Session, lenders: tuple[str, ...]) -> None:
    """Raise UnknownFilterValue for a lender slug no organisation has."""
    known = lender_names(session)
    for value in lenders:
        if value not in known:
            raise UnknownFilterValue("lender", value, "use an organisation slug")


def lender_condition(lenders: list[str]) -> Any:
    """Projects a lender financed: a financing record names it, or a curated party row says
    it is a financier (seed projects list their lenders as parties). The facet summary's
    lender sets follow the same rule (`app/projects/facets.py`)."""
    from sqlalchemy import and_, exists

    by_record = exists().where(and_(F.c.project_slug == P.c.slug, F.c.lender_slug.in_(lenders)))
    by_party = exists().where(
        and_(
            PP.c.project_slug == P.c.slug,
            PP.c.role == m.PartyRole.financier.value,
            PP.c.organization_slug.in_(lenders),
        )
    )
    return or_(by_record, by_party)


FINANCING_CSV_COLUMNS = (
    "slug", "project", "project_name", "lender", "lender_name", "co_lenders", "amount_usd_2021",
    "amount_wording", "instrument", "committed_on", "commitment_year", "status", "title",
    "aiddata_id", "source_url",
)  # fmt: skip


def financing_rows(session: Session, *, project_slugs: Iterable[str]) -> list[list[Any]]:
    """Financing records of these projects as CSV rows (FINANCING_CSV_COLUMNS), by project."""
    rows: list[list[Any]] = []
    ordered = sorted(set(project_slugs))
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        for f in _financing_rows(session, _financing_select().where(F.c.project_slug.in_(batch))):
            rows.append(
                [
                    f.slug, f.project_slug, f.project_name,
                    f.lender.slug if f.lender else None, f.lender.name if f.lender else None,
                    f.co_lenders, f.amount_usd_2021, f.amount_wording, f.instrument,
                    f.committed_on, f.commitment_year, f.status, f.title, f.aiddata_id,
                    f.source_url,
                ]
            )  # fmt: skip
    return sorted(rows, key=lambda row: (row[1], row[0]))
