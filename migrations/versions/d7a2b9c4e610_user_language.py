"""user.language: a person's own interface language (None: the organisation's)

Revision ID: d7a2b9c4e610
Revises: c3d1e5f7a901
Create Date: 2026-11-25 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a2b9c4e610'
down_revision = 'c3d1e5f7a901'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
