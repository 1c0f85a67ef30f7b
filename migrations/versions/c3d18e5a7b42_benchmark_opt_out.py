"""organisation.benchmark_opt_out: a client can keep its results out of the anonymised benchmark

Revision ID: c3d18e5a7b42
Revises: 65ecebbc4f19
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d18e5a7b42'
down_revision = '65ecebbc4f19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('benchmark_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('benchmark_opt_out')
