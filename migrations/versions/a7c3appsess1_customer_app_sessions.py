"""customers: mini-program logins (bearer token digests)

Revision ID: a7c3appsess1
Revises: a7c4staffcap1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c3appsess1"
down_revision = "a7c4staffcap1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_app_sessions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_app_sessions_tenant_id_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_app_sessions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customer_app_sessions')),
    sa.UniqueConstraint('tenant_id', 'token_digest', name=op.f('uq_customer_app_sessions_tenant_id_token_digest'))
    )
    with op.batch_alter_table('customer_app_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_customer_app_sessions_customer', ['tenant_id', 'customer_id'], unique=False)
    enable_tenant_rls(op, 'customer_app_sessions')


def downgrade():
    op.drop_table('customer_app_sessions')
