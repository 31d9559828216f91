"""issue 13: reference factor scope and origin

Revision ID: c13e0f2a9b41
Revises: 5b0cd6087d08
Create Date: 2026-11-30 11:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'c13e0f2a9b41'
down_revision: str | None = '5b0cd6087d08'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The hand-typed grid factors the seed held before issue 13, replaced by the factors imported
# from the published datasets. A reload only upserts, so without this a database seeded before
# would keep them beside the imported ones (same country and year: a spurious spread).
RETIRED_GRID_FACTORS = (
    'grid-mne-2023', 'grid-pak-2023', 'grid-ken-2023', 'grid-are-2022', 'grid-zmb-2022',
    'grid-idn-2022', 'grid-lao-2022', 'grid-eth-2022', 'grid-gha-2022', 'grid-ecu-2023',
    'grid-arg-2023', 'grid-chl-2023', 'grid-col-2023', 'grid-hun-2023', 'grid-kaz-2023',
    'grid-uzb-2022', 'grid-srb-2023', 'grid-chn-2023', 'grid-pak-lowcarbonpower-2023',
    'grid-idn-pln-2015', 'grid-idn-pln-2017-projected', 'grid-idn-pln-2024-projected',
    'grid-world-2023',
)
RETIRED_SOURCES = (
    'e1-codecarbon-global-energy-mix', 'e3-pln-ruptl-2015-2024',
    'e4-lowcarbonpower-pakistan-2023', 'e5-statista-ember-emission-intensity-2023',
)


def upgrade() -> None:
    with op.batch_alter_table('reference_factor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    factor = sa.table('reference_factor', sa.column('slug'), sa.column('source_slug'))
    op.execute(
        factor.delete().where(
            factor.c.slug.in_(RETIRED_GRID_FACTORS), factor.c.source_slug.in_(RETIRED_SOURCES)
        )
    )


def downgrade() -> None:
    # The retired hand-typed factors are not restored: reload an older seed for them.
    with op.batch_alter_table('reference_factor', schema=None) as batch_op:
        batch_op.drop_column('origin')
        batch_op.drop_column('scope')
