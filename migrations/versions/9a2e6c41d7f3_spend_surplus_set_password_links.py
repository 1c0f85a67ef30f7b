"""spend set-password links that the one-live-link rule would never have issued

An installation upgraded from before issue 12 may hold several live set-password links for one
account (every sponsor who re-added an address that had no password got one), and live links
for accounts whose password is set (using one link did not spend the others). Any of them lets
its holder take the account over. Keep only the link made together with the account (the
first) while the account has no password; spend every other.

Revision ID: 9a2e6c41d7f3
Revises: c3d18e5a7b42
Create Date: 2026-11-25 15:20:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import cxgov.db


# revision identifiers, used by Alembic.
revision = '9a2e6c41d7f3'
down_revision = 'c3d18e5a7b42'
branch_labels = None
depends_on = None


def upgrade():
    link = sa.table("set_password_link", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
                    sa.column("used_at", cxgov.db.UTCDateTime()))
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("password_hash", sa.String))
    first_links = sa.select(sa.func.min(link.c.id)).group_by(link.c.user_id)
    has_password = sa.select(user.c.id).where(user.c.password_hash != "")
    op.get_bind().execute(
        sa.update(link)
        .where(link.c.used_at.is_(None),
               sa.or_(link.c.user_id.in_(has_password), link.c.id.not_in(first_links)))
        .values(used_at=datetime.now(UTC))
    )


def downgrade():
    pass  # a spent link stays spent: reviving it would reopen the takeover
