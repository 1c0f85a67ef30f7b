"""report versions: the editable draft per cycle and the issued, frozen versions

Revision ID: c4e8d1a7b3f2
Revises: 9a2e6c41d7f3
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa

from cxgov.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c4e8d1a7b3f2'
down_revision = '9a2e6c41d7f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('key_messages', sa.JSON(), nullable=False),
        sa.Column('gap_comments', sa.JSON(), nullable=False),
        sa.Column('per_quarter', sa.Integer(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('cycle_id', name='uq_report_draft_cycle'),
    )
    op.create_index('ix_report_draft_org_id', 'report_draft', ['org_id'])
    op.create_table(
        'report_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('issued_at', UTCDateTime(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('context_hash', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=True),
        sa.Column('docx', sa.LargeBinary(), nullable=True),
        sa.Column('pdf_error', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('cycle_id', 'number', name='uq_report_version_number'),
    )
    op.create_index('ix_report_version_org_id', 'report_version', ['org_id'])
    op.create_index('ix_report_version_cycle_id', 'report_version', ['cycle_id'])


def downgrade():
    op.drop_index('ix_report_version_cycle_id', table_name='report_version')
    op.drop_index('ix_report_version_org_id', table_name='report_version')
    op.drop_table('report_version')
    op.drop_index('ix_report_draft_org_id', table_name='report_draft')
    op.drop_table('report_draft')
