"""routes: routing settings, route plans, cadre-days, stops, targets left out

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:40:21.903057

The models are :mod:`zoufang.campaign.store.routes`. ``uq_route_plans_current`` is a
partial unique index: at most one current route plan per campaign and phase.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('route_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('phase_kind', sa.String(length=20), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('travel', sa.String(length=200), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('time_limit_s', sa.Float(), nullable=False),
    sa.Column('solve_s', sa.Float(), nullable=False),
    sa.Column('n_cadres', sa.Integer(), nullable=False),
    sa.Column('n_failed', sa.Integer(), nullable=False),
    sa.Column('n_targets', sa.Integer(), nullable=False),
    sa.Column('n_routed', sa.Integer(), nullable=False),
    sa.Column('n_left_out', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_route_plans_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_id'], ['route_plans.id'], name=op.f('fk_route_plans_previous_id_route_plans'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_plans'))
    )
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_plans_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('uq_route_plans_current', ['campaign_id', 'phase_kind'], unique=True, sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))

    op.create_table('route_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_route_settings_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_settings')),
    sa.UniqueConstraint('campaign_id', name=op.f('uq_route_settings_campaign_id'))
    )
    op.create_table('route_cadres',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('cadre_ext_id', sa.String(length=64), nullable=False),
    sa.Column('cadre_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('solve_s', sa.Float(), nullable=False),
    sa.Column('n_targets', sa.Integer(), nullable=False),
    sa.Column('n_routed', sa.Integer(), nullable=False),
    sa.Column('n_left_out', sa.Integer(), nullable=False),
    sa.Column('n_remote', sa.Integer(), nullable=False),
    sa.Column('n_days', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('extra_days', sa.Float(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_route_cadres_cadre_id_cadres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_route_cadres_plan_id_route_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_cadres')),
    sa.UniqueConstraint('plan_id', 'cadre_ext_id', name='uq_route_cadres_plan_cadre')
    )
    with op.batch_alter_table('route_cadres', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_cadres_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_route_cadres_plan_id'), ['plan_id'], unique=False)

    op.create_table('route_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('cadre_ext_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('depart_at', sa.DateTime(), nullable=False),
    sa.Column('return_at', sa.DateTime(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('n_stops', sa.Integer(), nullable=False),
    sa.Column('n_targets', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('base_lon', sa.Float(), nullable=False),
    sa.Column('base_lat', sa.Float(), nullable=False),
    sa.Column('line', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_route_days_cadre_id_cadres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_route_days_plan_id_route_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_days')),
    sa.UniqueConstraint('plan_id', 'cadre_ext_id', 'day', name='uq_route_days_plan_cadre_day')
    )
    with op.batch_alter_table('route_days', schema=None) as batch_op:
        batch_op.create_index('ix_route_days_cadre_day', ['cadre_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_route_days_plan_id'), ['plan_id'], unique=False)

    op.create_table('route_left_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('cadre_ext_id', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_route_left_out_cadre_id_cadres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_route_left_out_plan_id_route_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_route_left_out_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_left_out')),
    sa.UniqueConstraint('plan_id', 'target_id', name='uq_route_left_out_plan_target')
    )
    with op.batch_alter_table('route_left_out', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_left_out_plan_id'), ['plan_id'], unique=False)

    op.create_table('route_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('day_id', sa.Integer(), nullable=False),
    sa.Column('stop', sa.Integer(), nullable=False),
    sa.Column('unit_order', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('arrive_at', sa.DateTime(), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['day_id'], ['route_days.id'], name=op.f('fk_route_stops_day_id_route_days'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['route_plans.id'], name=op.f('fk_route_stops_plan_id_route_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_route_stops_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_stops')),
    sa.UniqueConstraint('plan_id', 'target_id', name='uq_route_stops_plan_target')
    )
    with op.batch_alter_table('route_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_stops_day_id'), ['day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_route_stops_target_id'), ['target_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('route_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_stops_target_id'))
        batch_op.drop_index(batch_op.f('ix_route_stops_day_id'))

    op.drop_table('route_stops')
    with op.batch_alter_table('route_left_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_left_out_plan_id'))

    op.drop_table('route_left_out')
    with op.batch_alter_table('route_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_days_plan_id'))
        batch_op.drop_index('ix_route_days_cadre_day')

    op.drop_table('route_days')
    with op.batch_alter_table('route_cadres', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_cadres_plan_id'))
        batch_op.drop_index(batch_op.f('ix_route_cadres_cadre_id'))

    op.drop_table('route_cadres')
    op.drop_table('route_settings')
    with op.batch_alter_table('route_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_route_plans_current', sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))
        batch_op.drop_index(batch_op.f('ix_route_plans_campaign_id'))

    op.drop_table('route_plans')
