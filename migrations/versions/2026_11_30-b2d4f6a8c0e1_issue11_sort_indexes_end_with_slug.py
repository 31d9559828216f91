"""issue 11: every catalogue sort has an index ending in slug, the sort's last key

Revision ID: b2d4f6a8c0e1
Revises: a7c3e5f1b9d4
Create Date: 2026-11-30 21:00:00

The catalogue orders by the sort's columns, then slug. Indexes without slug left SQLite to
read every row to break ties: reading a sort's order of the whole catalogue (which SQLite
keeps in memory to find pages, app/projects/page_order.py) took ~0.45 s at 100k projects;
from an index ending in slug it is an index-only scan (~55 ms). The name sorts get indexes of
their own. The statements are written out here, not taken from app code (a migration does
not follow later app code).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b2d4f6a8c0e1"
down_revision: str | None = "a7c3e5f1b9d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (columns before slug, whether an earlier revision made it without slug)
_INDEXES = {
    "ix_project_sort_name": ("name", False),
    "ix_project_sort_name_desc": ("name DESC", False),
    "ix_project_sort_capacity": ("(capacity_value IS NULL), capacity_unit, capacity_value", True),
    "ix_project_sort_capacity_desc": (
        "(capacity_value IS NULL), capacity_unit, capacity_value DESC",
        True,
    ),
    "ix_project_sort_claimed": ("(claimed_tco2_per_year IS NULL), claimed_tco2_per_year", True),
    "ix_project_sort_claimed_desc": (
        "(claimed_tco2_per_year IS NULL), claimed_tco2_per_year DESC",
        True,
    ),
    "ix_project_sort_opened": ("(opened_on IS NULL), opened_on", True),
    "ix_project_sort_opened_desc": ("(opened_on IS NULL), opened_on DESC", True),
}


def _analyze() -> None:
    # The planner's statistics for the new indexes (the loader analyzes after each load).
    op.execute("ANALYZE")


def upgrade() -> None:
    for name, (columns, _existed) in _INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON project ({columns}, slug)")
    _analyze()


def downgrade() -> None:
    for name, (columns, existed) in _INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        if existed:
            op.execute(f"CREATE INDEX {name} ON project ({columns})")
    _analyze()
