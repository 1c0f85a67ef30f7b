"""person: one person of an organisation per cxgov account (unique index on org_id, user_id)

The register's write path refuses linking an account another person of the organisation has,
under the organisation's row lock; the index holds the rule for every writer. Links made before
the rule may repeat: the earliest person (lowest id) keeps the account, the others' links are
cleared (their version raised, so a form opened before the upgrade is told the row changed),
and the count is logged.

Revision ID: f3a9c6e1d205
Revises: e5b8c2d4a613
Create Date: 2026-11-26 02:55:00

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c6e1d205'
down_revision = 'e5b8c2d4a613'
branch_labels = None
depends_on = None

_REPEATED = (
    "user_id IS NOT NULL AND EXISTS (SELECT 1 FROM person AS earlier WHERE earlier.org_id = person.org_id"
    " AND earlier.user_id = person.user_id AND earlier.id < person.id)"
)


def upgrade():
    connection = op.get_bind()
    repeated = connection.execute(sa.text(f"SELECT count(*) FROM person WHERE {_REPEATED}")).scalar_one()
    if repeated:
        connection.execute(
            sa.text(f"UPDATE person SET user_id = NULL, version_id = version_id + 1 WHERE {_REPEATED}")
        )
        logging.getLogger("alembic.runtime.migration").warning(
            "person: %d account links cleared, each account stays with the earliest person linked to it", repeated
        )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(
            'uq_person_org_id_user_id',
            ['org_id', 'user_id'],
            unique=True,
            sqlite_where=sa.text('user_id IS NOT NULL'),
            postgresql_where=sa.text('user_id IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('uq_person_org_id_user_id')
