"""planner web: planning jobs kept in the store

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 20:30:00.000000

The model is :mod:`zoufang.campaign.store.jobs`: the web's area and route planning jobs,
so that every server process sees a job's progress. Area plans may now also be
``proposed`` (a re-plan under review); that is a value of the existing ``status`` column,
no schema change.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'planning_jobs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('started_by', sa.String(length=100), nullable=False),
        sa.Column('time_limit_s', sa.Float(), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=20), nullable=True),
        sa.Column('cadre', sa.String(length=100), nullable=True),
        sa.Column('as_of', sa.DateTime(), nullable=True),
        sa.Column('started_at', sa.Float(), nullable=False),
        sa.Column('solve_started', sa.Float(), nullable=True),
        sa.Column('finished_at', sa.Float(), nullable=True),
        sa.Column('cadres_total', sa.Integer(), nullable=False),
        sa.Column('cadres_done', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['township_id'], ['townships.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_planning_jobs_township_kind', 'planning_jobs',
                    ['township_id', 'kind', 'started_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_planning_jobs_township_kind', table_name='planning_jobs')
    op.drop_table('planning_jobs')
