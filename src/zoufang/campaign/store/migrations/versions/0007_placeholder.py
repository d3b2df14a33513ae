"""visits, issues: the phone's own id (client_id) for an idempotent sync

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:30:00.000000

The field app makes an id on the phone for every visit and issue it records (offline
too) and sends it with the record (``POST /api/v1/me/sync``); a unique index on it makes
a resent record land once. Records made any other way have none (NULL, not unique).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.create_index('ux_visits_client_id', ['client_id'], unique=True)
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.create_index('ux_issues_client_id', ['client_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index('ux_issues_client_id')
        batch_op.drop_column('client_id')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ux_visits_client_id')
        batch_op.drop_column('client_id')
