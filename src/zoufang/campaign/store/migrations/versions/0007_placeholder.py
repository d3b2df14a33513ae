"""placeholder

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:30:00.000000

A no-op revision keeping the chain linear; its owner fills it in.
"""


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
