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


def upgrade() -> None:
    with op.batch_alter_table('reference_factor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reference_factor', schema=None) as batch_op:
        batch_op.drop_column('origin')
        batch_op.drop_column('scope')
