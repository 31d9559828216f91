"""issue 11: the capacity sort indexes follow the sort (NULLs last, then unit, then value)

Revision ID: f5a1c9d3e7b2
Revises: e11a5b7c2d90
Create Date: 2026-11-30 17:45:00

The catalogue sorts capacity within each unit (MW and km do not compare), but the indexes
built for that sort left the unit out, so they could not give its order: a capacity-sorted
page read every matching row and sorted it (up to ~370 ms at 100k projects). The statements
are written out here, not taken from app code (a migration does not follow later app code).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f5a1c9d3e7b2"
down_revision: str | None = "e11a5b7c2d90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_project_sort_capacity": "",
    "ix_project_sort_capacity_desc": " DESC",
}


def _recreate(with_unit: bool) -> None:
    unit = "capacity_unit, " if with_unit else ""
    for name, direction in _INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(
            f"CREATE INDEX {name} ON project "
            f"((capacity_value IS NULL), {unit}capacity_value{direction})"
        )
        # The planner's statistics for the new index (the loader analyzes after each load).
        sqlite = op.get_bind().dialect.name == "sqlite"
        op.execute(f"ANALYZE {name}" if sqlite else "ANALYZE project")


def upgrade() -> None:
    _recreate(with_unit=True)
    # The units each technology's capacities use, counted from an index (app/projects/catalogue.py).
    op.create_index("ix_project_technology_unit", "project", ["technology_slug", "capacity_unit"])
    # Without statistics the planner took this index for pages of one technology sorted by
    # name, and read and sorted the whole technology.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("ANALYZE ix_project_technology_unit" if sqlite else "ANALYZE project")


def downgrade() -> None:
    op.drop_index("ix_project_technology_unit", table_name="project")
    _recreate(with_unit=False)
