"""placeholder

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:30:00.000000

A no-op revision keeping the chain linear; its owner fills it in.
"""


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
