"""framework uploads belong to a firm (issue 12 finding 6)

Revision ID: c3d1e5f7a901
Revises: c4e8d1a7b3f2
Create Date: 2026-11-25 15:20:00

Existing uploads by consultants become their firm's (see cxgov/framework/scope.py firm_of);
uploads by admins, and by accounts since deleted, stay platform defaults.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d1e5f7a901'
down_revision = 'c4e8d1a7b3f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('framework_upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm', sa.String(length=220), nullable=True))
        batch_op.create_index(batch_op.f('ix_framework_upload_firm'), ['firm'], unique=False)
    connection = op.get_bind()
    uploads = connection.execute(sa.text(
        'SELECT framework_upload.id, "user".id, "user".firm_name, "user".is_admin, "user".is_consultant '
        'FROM framework_upload JOIN "user" ON "user".id = framework_upload.uploaded_by')).all()
    for upload_id, user_id, firm_name, is_admin, is_consultant in uploads:
        if is_admin or not is_consultant:
            continue
        name = " ".join((firm_name or "").split()).casefold()
        firm = f"firm:{name}" if name else f"user:{user_id}"
        connection.execute(sa.text("UPDATE framework_upload SET firm = :firm WHERE id = :id"),
                           {"firm": firm, "id": upload_id})


def downgrade():
    with op.batch_alter_table('framework_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_upload_firm'))
        batch_op.drop_column('firm')
