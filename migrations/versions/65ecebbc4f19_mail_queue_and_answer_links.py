"""Mail queue, personal answer links for respondents without an account, reminder schedule.

Existing rows get defaults: no reminder days, no reminders counted, no external name.

Revision ID: 65ecebbc4f19
Revises: b7c1f0a2d915
Create Date: 2026-11-25 14:19:21.932339

"""
from alembic import op
import sqlalchemy as sa
import cxgov.db


# revision identifiers, used by Alembic.
revision = '65ecebbc4f19'
down_revision = 'b7c1f0a2d915'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_opt_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('created_at', cxgov.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_mail_opt_out_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_opt_out')),
    sa.UniqueConstraint('org_id', 'email', 'kind', name='uq_mail_opt_out')
    )
    with op.batch_alter_table('mail_opt_out', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_opt_out_org_id'), ['org_id'], unique=False)

    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('respondent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', cxgov.db.UTCDateTime(), nullable=False),
    sa.Column('claimed_at', cxgov.db.UTCDateTime(), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('sent_at', cxgov.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', cxgov.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_mail_message_org_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondent.id'], name=op.f('fk_mail_message_respondent_id_respondent'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message'))
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_respondent_id'), ['respondent_id'], unique=False)
        batch_op.create_index('ix_mail_message_status_next', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_days', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('reminders_sent', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('respondent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('link_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('link_issued_at', cxgov.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('link_opened_at', cxgov.db.UTCDateTime(), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint('uq_respondent_cycle_id_email', ['cycle_id', 'email'])
        batch_op.create_unique_constraint(batch_op.f('uq_respondent_link_token_hash'), ['link_token_hash'])



def downgrade():
    with op.batch_alter_table("respondent", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_respondent_link_token_hash'), type_='unique')
        batch_op.drop_constraint('uq_respondent_cycle_id_email', type_='unique')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('link_opened_at')
        batch_op.drop_column('link_issued_at')
        batch_op.drop_column('link_token_hash')
        batch_op.drop_column('language')
        batch_op.drop_column('email')
        batch_op.drop_column('name')
        batch_op.drop_column('reminder_count')

    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('reminders_sent')
        batch_op.drop_column('reminder_days')

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_status_next')
        batch_op.drop_index(batch_op.f('ix_mail_message_respondent_id'))
        batch_op.drop_index(batch_op.f('ix_mail_message_org_id'))

    op.drop_table('mail_message')
    with op.batch_alter_table('mail_opt_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_opt_out_org_id'))

    op.drop_table('mail_opt_out')
