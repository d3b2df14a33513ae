"""users: log-in throttle (failed log-ins, lockout) and the session generation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:00:00.000000

The models are :mod:`zoufang.campaign.store.users`. Existing users start with no
failure, no lockout and generation 0 (their sessions made before the upgrade carry no
generation and end at their next request).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('session_gen', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies the table and drops the old one, which sets
    # audit_log.user_id to NULL (ON DELETE SET NULL). SQLite >= 3.35 drops columns in place.
    op.drop_column('users', 'session_gen')
    op.drop_column('users', 'locked_until')
    op.drop_column('users', 'failed_since')
    op.drop_column('users', 'failed_logins')
