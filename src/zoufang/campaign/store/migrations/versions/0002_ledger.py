"""ledger: visits, issues, issue history (append-only), cases, integrity flags, spot checks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 20:30:07.570165

``issue_events`` gets a trigger refusing every UPDATE (history is never overwritten).
A later migration that recreates that table on SQLite (batch mode) must recreate it.
"""
from alembic import op
import sqlalchemy as sa

_APPEND_ONLY = "issue_events is append-only: history is never overwritten"


def _create_append_only_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION zoufang_issue_events_append_only() RETURNS trigger "
            f"AS $$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$ LANGUAGE plpgsql")
        op.execute(
            "CREATE TRIGGER issue_events_no_update BEFORE UPDATE ON issue_events "
            "FOR EACH ROW EXECUTE FUNCTION zoufang_issue_events_append_only()")
    else:
        op.execute(
            "CREATE TRIGGER issue_events_no_update BEFORE UPDATE ON issue_events "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END")


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issue_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_issue_cases_township_id_townships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_cases'))
    )
    with op.batch_alter_table('issue_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_cases_township_id'), ['township_id'], unique=False)

    op.create_table('ledger_settings',
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_ledger_settings_township_id_townships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('township_id', name=op.f('pk_ledger_settings'))
    )
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('card', sa.Boolean(), nullable=False),
    sa.Column('survey', sa.Boolean(), nullable=False),
    sa.Column('leaflet', sa.Boolean(), nullable=False),
    sa.Column('solved', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_visits_cadre_id_cadres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_visits_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_visits_import_run_id_import_runs')),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_visits_target_id_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_visits_township_id_townships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_cadre_at', ['cadre_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_target_id'), ['target_id'], unique=False)
        batch_op.create_index('ix_visits_township_at', ['township_id', 'at', 'cadre_id', 'target_id', 'outcome', 'mode'], unique=False)

    op.create_table('integrity_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('cadre_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadres.id'], name=op.f('fk_integrity_flags_cadre_id_cadres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_integrity_flags_township_id_townships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_integrity_flags_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_flags'))
    )
    with op.batch_alter_table('integrity_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrity_flags_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrity_flags_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrity_flags_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrity_flags_visit_id'), ['visit_id'], unique=False)

    op.create_table('issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('owner_cadre_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('responsibility', sa.String(length=20), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reporter_name', sa.String(length=100), nullable=True),
    sa.Column('reporter_phone', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=True),
    sa.Column('handler', sa.String(length=100), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('handed_at', sa.DateTime(), nullable=True),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('close_kind', sa.String(length=20), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_issues_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['issue_cases.id'], name=op.f('fk_issues_case_id_issue_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_issues_import_run_id_import_runs')),
    sa.ForeignKeyConstraint(['owner_cadre_id'], ['cadres.id'], name=op.f('fk_issues_owner_cadre_id_cadres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_issues_target_id_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_issues_township_id_townships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_issues_visit_id_visits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issues'))
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issues_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_owner_cadre_id'), ['owner_cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_target_id'), ['target_id'], unique=False)
        batch_op.create_index('ix_issues_township_raised', ['township_id', 'raised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_visit_id'), ['visit_id'], unique=False)

    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('sample', sa.String(length=60), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=100), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('checked_by', sa.String(length=100), nullable=True),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_spot_checks_township_id_townships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_spot_checks_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_checks')),
    sa.UniqueConstraint('sample', 'visit_id', name=op.f('uq_spot_checks_sample'))
    )
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_checks_township_id'), ['township_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_checks_visit_id'), ['visit_id'], unique=False)

    op.create_table('issue_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_events_issue_id_issues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_events')),
    sa.UniqueConstraint('issue_id', 'seq', name=op.f('uq_issue_events_issue_id'))
    )
    _create_append_only_trigger()


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS issue_events_no_update"
               + (" ON issue_events" if op.get_bind().dialect.name == "postgresql" else ""))
    op.drop_table('issue_events')
    with op.batch_alter_table('spot_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_checks_visit_id'))
        batch_op.drop_index(batch_op.f('ix_spot_checks_township_id'))

    op.drop_table('spot_checks')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issues_visit_id'))
        batch_op.drop_index('ix_issues_township_raised')
        batch_op.drop_index(batch_op.f('ix_issues_target_id'))
        batch_op.drop_index(batch_op.f('ix_issues_status'))
        batch_op.drop_index(batch_op.f('ix_issues_owner_cadre_id'))
        batch_op.drop_index(batch_op.f('ix_issues_case_id'))
        batch_op.drop_index(batch_op.f('ix_issues_campaign_id'))

    op.drop_table('issues')
    with op.batch_alter_table('integrity_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrity_flags_visit_id'))
        batch_op.drop_index(batch_op.f('ix_integrity_flags_township_id'))
        batch_op.drop_index(batch_op.f('ix_integrity_flags_code'))
        batch_op.drop_index(batch_op.f('ix_integrity_flags_cadre_id'))

    op.drop_table('integrity_flags')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_township_at')
        batch_op.drop_index(batch_op.f('ix_visits_target_id'))
        batch_op.drop_index(batch_op.f('ix_visits_campaign_id'))
        batch_op.drop_index('ix_visits_cadre_at')

    op.drop_table('visits')
    op.drop_table('ledger_settings')
    with op.batch_alter_table('issue_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_cases_township_id'))

    op.drop_table('issue_cases')
