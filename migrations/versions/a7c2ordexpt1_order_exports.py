"""orders: exports of the merchant's orders (progress and file)

Revision ID: a7c2ordexpt1
Revises: a7c1prodfrt1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c2ordexpt1"
down_revision = "a7c1prodfrt1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_exports',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=200), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_exports_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_exports'))
    )
    with op.batch_alter_table('order_exports', schema=None) as batch_op:
        batch_op.create_index('ix_order_exports_created', ['tenant_id', 'created_at'], unique=False)
    enable_tenant_rls(op, 'order_exports')


def downgrade():
    with op.batch_alter_table('order_exports', schema=None) as batch_op:
        batch_op.drop_index('ix_order_exports_created')
    op.drop_table('order_exports')
