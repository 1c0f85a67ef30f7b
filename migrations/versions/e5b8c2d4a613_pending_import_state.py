"""pending_import.state: a confirmed or cancelled upload is kept (without its bytes) as closed

A second confirmation of the same upload, or one after a cancel, then finds the closed row
and says what happened, instead of finding nothing (or racing the first and failing).

Revision ID: e5b8c2d4a613
Revises: 9c0d2752284c
Create Date: 2026-11-25 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b8c2d4a613'
down_revision = '9c0d2752284c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=10), server_default='open', nullable=False))


def downgrade():
    # Closed rows only exist to answer a repeated confirmation; without the column they would
    # look open again (with no bytes), so they go.
    op.execute("DELETE FROM pending_import WHERE state <> 'open'")
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.drop_column('state')
