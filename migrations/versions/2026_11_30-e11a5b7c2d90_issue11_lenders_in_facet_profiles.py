"""issue 11: lenders in the facet summary; each project's profile id in a table of its own

Revision ID: e11a5b7c2d90
Revises: c11f4ce7a0b1
Create Date: 2026-11-30 14:30:00

`facet_profile.lenders` makes the lender facet (issue 14) a sum over the summary like the
others. `project_facet_profile` replaces `project.facet_profile_id`: the loader filled that
column with an UPDATE of every project, which PostgreSQL paid as a new version of each row in
every index (the trigram index too). The profiles are counted here from the data already
loaded, with SQL copied from app/projects/facets.py as it is at this revision (a migration
does not follow later app code).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "e11a5b7c2d90"
down_revision: str | None = "c11f4ce7a0b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LENDERS = (
    "SELECT lender_slug AS lender FROM financing "
    "WHERE project_slug = p.slug AND lender_slug IS NOT NULL "
    "UNION SELECT organization_slug FROM project_party "
    "WHERE project_slug = p.slug AND role = 'financier'"
)
_SETS = {
    "sqlite": (
        "coalesce((SELECT group_concat(country_iso3, ' ') FROM (SELECT country_iso3 "
        "FROM project_country WHERE project_slug = p.slug ORDER BY country_iso3)), '')",
        "coalesce((SELECT group_concat(verdict, ' ') FROM (SELECT DISTINCT verdict "
        "FROM claim_check WHERE project_slug = p.slug ORDER BY verdict)), '')",
        f"coalesce((SELECT group_concat(lender, ' ') FROM ({_LENDERS} ORDER BY 1)), '')",
    ),
    "postgresql": (
        "coalesce((SELECT string_agg(country_iso3, ' ' ORDER BY country_iso3) "
        "FROM project_country WHERE project_slug = p.slug), '')",
        "coalesce((SELECT string_agg(DISTINCT verdict::text, ' ' ORDER BY verdict::text) "
        "FROM claim_check WHERE project_slug = p.slug), '')",
        f"coalesce((SELECT string_agg(lender, ' ' ORDER BY lender) FROM ({_LENDERS}) AS l), '')",
    ),
}
_KEY = "technology_slug, status, kind, countries, verdicts, lenders, claimed"
_SAME_PROFILE = " AND ".join(f"f.{c} = t.{c}" for c in _KEY.split(", "))


def upgrade() -> None:
    op.add_column(
        "facet_profile", sa.Column("lenders", sa.String(), server_default="", nullable=False)
    )
    op.create_table(
        "project_facet_profile",
        sa.Column("project_slug", sa.String(), nullable=False),
        sa.Column("facet_profile_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_slug"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_project_facet_profile_facet_profile_id", "project_facet_profile", ["facet_profile_id"]
    )
    op.drop_index("ix_project_facet_profile_id", table_name="project")
    # Plain ALTER TABLE (SQLite >= 3.35 drops a column in place): a batch copy of `project`
    # would renumber the rowids the text index refers to and lose the expression indexes.
    op.execute("ALTER TABLE project DROP COLUMN facet_profile_id")
    _count_profiles(op.get_bind())


def _count_profiles(conn: Connection) -> None:
    countries, verdicts, lenders = _SETS[conn.dialect.name]
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE facet_profile_of_project AS "
        "SELECT p.slug AS slug, p.technology_slug AS technology_slug, "
        "coalesce(p.status, '') AS status, p.kind AS kind, "
        f"{countries} AS countries, {verdicts} AS verdicts, {lenders} AS lenders, "
        "p.claimed_tco2_per_year IS NOT NULL AS claimed FROM project AS p"
    )
    conn.exec_driver_sql("DELETE FROM facet_profile")
    conn.exec_driver_sql(
        f"INSERT INTO facet_profile (id, {_KEY}, projects) "
        f"SELECT row_number() OVER (ORDER BY {_KEY}), {_KEY}, count(*) "
        f"FROM facet_profile_of_project GROUP BY {_KEY}"
    )
    conn.exec_driver_sql(
        "INSERT INTO project_facet_profile (project_slug, facet_profile_id) "
        f"SELECT t.slug, f.id FROM facet_profile_of_project AS t JOIN facet_profile AS f "
        f"ON {_SAME_PROFILE} ORDER BY t.slug"
    )
    conn.exec_driver_sql("DROP TABLE facet_profile_of_project")


def downgrade() -> None:
    # Profiles split by lender still sum to the right counts, so the ids stay valid.
    op.add_column("project", sa.Column("facet_profile_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE project SET facet_profile_id = (SELECT facet_profile_id FROM "
        "project_facet_profile WHERE project_slug = project.slug)"
    )
    op.create_index("ix_project_facet_profile_id", "project", ["facet_profile_id"])
    op.drop_index("ix_project_facet_profile_facet_profile_id", table_name="project_facet_profile")
    op.drop_table("project_facet_profile")
    op.execute("ALTER TABLE facet_profile DROP COLUMN lenders")
