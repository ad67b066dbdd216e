"""notifications: a store's notifications to its staff (the admin bell)

Revision ID: a7c1notices01
Revises: a7c0customer1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c1notices01"
down_revision = "a7c0customer1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('store_notifications',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('deliveries', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_store_notifications_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_store_notifications')),
    sa.UniqueConstraint('tenant_id', 'dedupe_key', name=op.f('uq_store_notifications_tenant_id_dedupe_key'))
    )
    with op.batch_alter_table('store_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_store_notifications_unread', ['tenant_id', 'read_at', 'created_at'], unique=False)
    enable_tenant_rls(op, 'store_notifications')


def downgrade():
    with op.batch_alter_table('store_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_store_notifications_unread')
    op.drop_table('store_notifications')
