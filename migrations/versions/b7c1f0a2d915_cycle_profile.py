"""cycle profile: the framework target profile a cycle was created with

Revision ID: b7c1f0a2d915
Revises: 4f48432f3caa
Create Date: 2026-11-25 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1f0a2d915'
down_revision = '4f48432f3caa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_key', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('profile_key')
