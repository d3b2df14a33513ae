"""areas: planning runs, visit areas (走访区域), area targets, must-go assignments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 21:00:00.000000

The models are :mod:`zoufang.campaign.store.areas`. ``uq_area_plans_current`` is a partial
unique index (SQLite and PostgreSQL both have them): at most one current plan per campaign.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('phase_kind', sa.String(length=20), nullable=True),
    sa.Column('phase_days', sa.Integer(), nullable=True),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('time_limit_s', sa.Float(), nullable=False),
    sa.Column('solve_s', sa.Float(), nullable=False),
    sa.Column('n_targets', sa.Integer(), nullable=False),
    sa.Column('n_areas', sa.Integer(), nullable=False),
    sa.Column('feasible', sa.Boolean(), nullable=False),
    sa.Column('workload_min', sa.Float(), nullable=False),
    sa.Column('capacity_min', sa.Float(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('shortfall', sa.JSON(), nullable=True),
    sa.Column('mustgo', sa.JSON(), nullable=False),
    sa.Column('churn', sa.JSON(), nullable=True),
    sa.Column('left_out', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_area_plans_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_id'], ['area_plans.id'], name=op.f('fk_area_plans_previous_id_area_plans'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_plans'))
    )
    with op.batch_alter_table('area_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_plans_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('uq_area_plans_current', ['campaign_id'], unique=True, sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))

    op.create_table('visit_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('cadre_ext_id', sa.String(length=64), nullable=False),
    sa.Column('cadre_name', sa.String(length=100), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('n_targets', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('service_min', sa.Float(), nullable=False),
    sa.Column('travel_min', sa.Float(), nullable=False),
    sa.Column('mustgo_min', sa.Float(), nullable=False),
    sa.Column('capacity_min', sa.Float(), nullable=False),
    sa.Column('share_min', sa.Float(), nullable=False),
    sa.Column('commute_m', sa.Float(), nullable=True),
    sa.Column('contiguous', sa.Boolean(), nullable=False),
    sa.Column('grids', sa.JSON(), nullable=False),
    sa.Column('split_grids', sa.JSON(), nullable=False),
    sa.Column('villages', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_visit_areas_cadre_id_cadres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_visit_areas_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['area_plans.id'], name=op.f('fk_visit_areas_plan_id_area_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_areas')),
    sa.UniqueConstraint('plan_id', 'cadre_ext_id', name='uq_visit_areas_plan_cadre'),
    sa.UniqueConstraint('plan_id', 'number', name='uq_visit_areas_plan_number')
    )
    with op.batch_alter_table('visit_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_areas_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_areas_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('area_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('since_plan_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['visit_areas.id'], name=op.f('fk_area_targets_area_id_visit_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_area_targets_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['since_plan_id'], ['area_plans.id'], name=op.f('fk_area_targets_since_plan_id_area_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_area_targets_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_targets')),
    sa.UniqueConstraint('campaign_id', 'target_id', name='uq_area_targets_campaign_target')
    )
    with op.batch_alter_table('area_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_targets_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_area_targets_target_id'), ['target_id'], unique=False)

    op.create_table('mustgo_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('village_name', sa.String(length=100), nullable=True),
    sa.Column('grid_ext_id', sa.String(length=64), nullable=True),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('cadre_ext_id', sa.String(length=64), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_mustgo_assignments_cadre_id_cadres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_mustgo_assignments_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['area_plans.id'], name=op.f('fk_mustgo_assignments_plan_id_area_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_mustgo_assignments_target_id_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_mustgo_assignments_village_id_villages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mustgo_assignments'))
    )
    with op.batch_alter_table('mustgo_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mustgo_assignments_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mustgo_assignments_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mustgo_assignments_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mustgo_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mustgo_assignments_plan_id'))
        batch_op.drop_index(batch_op.f('ix_mustgo_assignments_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_mustgo_assignments_cadre_id'))

    op.drop_table('mustgo_assignments')
    with op.batch_alter_table('area_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_targets_target_id'))
        batch_op.drop_index(batch_op.f('ix_area_targets_area_id'))

    op.drop_table('area_targets')
    with op.batch_alter_table('visit_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_areas_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_visit_areas_cadre_id'))

    op.drop_table('visit_areas')
    with op.batch_alter_table('area_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_area_plans_current', sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))
        batch_op.drop_index(batch_op.f('ix_area_plans_campaign_id'))

    op.drop_table('area_plans')
