"""issue 11: project_claim_summary, the claims each catalogue card shows

Revision ID: a7c3e5f1b9d4
Revises: f5a1c9d3e7b2
Create Date: 2026-11-30 18:00:00

One row per project with a checked claim: the number of claims, the number per worst verdict
and the main one or two claims (app/queries/claim_summary.py). Filled here from the data
already loaded, with the SQL of app/queries/claim_summary.py as it is at this revision (a
migration does not follow later app code); every load rebuilds it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e5f1b9d4"
down_revision: str | None = "f5a1c9d3e7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERDICTS = ("above_range", "below_range", "consistent", "not_checkable")
KINDS = ("emissions_avoided", "emissions_reduction_pct", "emission_intensity", "coal_saved")


def _case(column: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {len(values)} END"


def _fill_sql(dialect: str) -> str:
    slug = 'm.slug COLLATE "C"' if dialect == "postgresql" else "m.slug"
    order = (
        f"{_case('m.kind', KINDS)}, m.stated_on IS NULL, m.stated_on DESC, "
        f"coalesce(m.canonical_value, 0) DESC, {slug}"
    )
    counts = ", ".join(
        f"sum(CASE WHEN worst = {i} THEN 1 ELSE 0 END) AS {verdict}"
        for i, verdict in enumerate(VERDICTS)
    )
    return (
        f"INSERT INTO project_claim_summary (project_slug, claims, {', '.join(VERDICTS)}, "
        "main_slug, second_slug) "
        f"SELECT project_slug, claims, {', '.join(VERDICTS)}, main_slug, "
        f"CASE WHEN main_kind = '{KINDS[0]}' THEN first_pct END "
        f"FROM (SELECT project_slug, count(*) AS claims, {counts}, "
        "max(CASE WHEN place = 1 THEN slug END) AS main_slug, "
        "max(CASE WHEN place = 1 THEN kind END) AS main_kind, "
        f"max(CASE WHEN place_in_kind = 1 AND kind = '{KINDS[1]}' THEN slug END) AS first_pct "
        "FROM (SELECT m.project_slug AS project_slug, m.slug AS slug, m.kind AS kind, "
        "w.worst AS worst, "
        f"row_number() OVER (PARTITION BY m.project_slug ORDER BY {order}) AS place, "
        f"row_number() OVER (PARTITION BY m.project_slug, m.kind ORDER BY {order}) "
        "AS place_in_kind "
        f"FROM metric AS m JOIN (SELECT metric_slug, min({_case('verdict', VERDICTS)}) AS worst "
        "FROM claim_check GROUP BY metric_slug) AS w ON w.metric_slug = m.slug"
        ") AS ranked GROUP BY project_slug) AS summary"
    )


def upgrade() -> None:
    op.create_table(
        "project_claim_summary",
        sa.Column("project_slug", sa.String(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("above_range", sa.Integer(), nullable=False),
        sa.Column("below_range", sa.Integer(), nullable=False),
        sa.Column("consistent", sa.Integer(), nullable=False),
        sa.Column("not_checkable", sa.Integer(), nullable=False),
        sa.Column("main_slug", sa.String(), nullable=False),
        sa.Column("second_slug", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("project_slug"),
        sqlite_with_rowid=False,
    )
    op.execute(_fill_sql(op.get_bind().dialect.name))


def downgrade() -> None:
    op.drop_table("project_claim_summary")
