"""orders: after-sales photo uploads (to delete the ones never sent)

New photos are stored under the private prefix ``p/``; photos of existing requests stay under
``t/<tenant>/aftersales/`` and are served, like the new ones, only through the checked views (the
public media route refuses that folder), so no file needs to move.

Revision ID: a7c4asphoto1
Revises: a7c3minipr1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c4asphoto1"
down_revision = "a7c3minipr1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_after_sale_uploads',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_after_sale_uploads_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_after_sale_uploads')),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_order_after_sale_uploads_tenant_id_key'))
    )
    with op.batch_alter_table('order_after_sale_uploads', schema=None) as batch_op:
        batch_op.create_index('ix_order_after_sale_uploads_unclaimed', ['created_at'], unique=False,
                              postgresql_where=sa.text('claimed_at IS NULL'),
                              sqlite_where=sa.text('claimed_at IS NULL'))
    enable_tenant_rls(op, 'order_after_sale_uploads')


def downgrade():
    with op.batch_alter_table('order_after_sale_uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_order_after_sale_uploads_unclaimed',
                            postgresql_where=sa.text('claimed_at IS NULL'),
                            sqlite_where=sa.text('claimed_at IS NULL'))
    op.drop_table('order_after_sale_uploads')
