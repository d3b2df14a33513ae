"""import mappings: the column meanings chosen per township and kind of import

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 20:30:00.000000

The model is :mod:`zoufang.campaign.store.import_mappings`: the web import wizard keeps
the meaning chosen for each column (and the header row) of a township's targets, grids
or cadres file, so that the next file of the same office imports in one click.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('header_row', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['township_id'], ['townships.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('township_id', 'kind'),
    )
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_mappings_township_id'), ['township_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('import_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_mappings_township_id'))
    op.drop_table('import_mappings')
