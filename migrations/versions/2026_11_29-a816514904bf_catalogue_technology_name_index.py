"""catalogue technology name index

Revision ID: a816514904bf
Revises: b7b5ab7d2508
Create Date: 2026-11-29 05:20:13.932039
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a816514904bf"
down_revision: str | None = "b7b5ab7d2508"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A one-technology catalogue page sorted by name is read in index order (bench: issue 6).
    op.create_index("ix_project_technology_name", "project", ["technology_slug", "name", "slug"])


def downgrade() -> None:
    op.drop_index("ix_project_technology_name", table_name="project")
