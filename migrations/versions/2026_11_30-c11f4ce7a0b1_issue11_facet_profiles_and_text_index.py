"""issue 11: facet profile summary and text index for the catalogue

Revision ID: c11f4ce7a0b1
Revises: 3f1db10e73c8
Create Date: 2026-11-30 11:15:00

`facet_profile` holds project counts per combination of facet values, from which any filter's
facet counts are a small sum; `project.facet_profile_id` points each project at its row. The
text index serves `q`: an FTS5 trigram table on SQLite, a pg_trgm GIN index on PostgreSQL.
The text index is filled here from the data already loaded; the profiles by e11a5b7c2d90.
Both are kept by every later load.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c11f4ce7a0b1"
down_revision: str | None = "3f1db10e73c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The sort indexes as this revision made them (written out: the app's later statements differ;
# f5a1c9d3e7b2 put the unit into the capacity ones, b2d4f6a8c0e1 ends every one in slug).
_SORT_INDEXES = {
    f"ix_project_sort_{name}{'_desc' if direction else ''}": f"(({column} IS NULL), {column}{direction})"
    for name, column in (
        ("capacity", "capacity_value"),
        ("claimed", "claimed_tco2_per_year"),
        ("opened", "opened_on"),
    )
    for direction in ("", " DESC")
}


def sort_index_statements() -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {n} ON project {cols}" for n, cols in _SORT_INDEXES.items()]


def upgrade() -> None:
    from app.projects.search import create_search_index

    op.create_table(
        "facet_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technology_slug", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("countries", sa.String(), nullable=False),
        sa.Column("verdicts", sa.String(), nullable=False),
        sa.Column("claimed", sa.Boolean(), nullable=False),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("project", sa.Column("facet_profile_id", sa.Integer(), nullable=True))
    op.create_index("ix_project_facet_profile_id", "project", ["facet_profile_id"])
    conn = op.get_bind()
    for statement in sort_index_statements():
        conn.exec_driver_sql(statement)
    # The profiles are counted by the next revision (e11a5b7c2d90), which adds lenders to them
    # and moves the project -> profile pointer to a table of its own.
    create_search_index(conn)


def downgrade() -> None:
    from app.projects.search import drop_search_index

    conn = op.get_bind()
    drop_search_index(conn)
    for statement in sort_index_statements():
        conn.exec_driver_sql("DROP INDEX IF EXISTS " + statement.split()[5])
    op.drop_index("ix_project_facet_profile_id", table_name="project")
    with op.batch_alter_table("project") as batch:
        batch.drop_column("facet_profile_id")
    op.drop_table("facet_profile")
