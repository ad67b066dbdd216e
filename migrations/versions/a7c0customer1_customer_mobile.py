"""customers: a mobile identity (WeChat's becomes optional) and SMS login codes

Revision ID: a7c0customer1
Revises: a6c0sessions1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c0customer1"
down_revision = "a6c0sessions1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
        batch_op.alter_column('authorizer_appid', existing_type=sa.String(length=32), nullable=True)
        batch_op.alter_column('openid', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_customers_tenant_id_mobile'), ['tenant_id', 'mobile'])

    op.create_table('customer_sms_codes',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_sms_codes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customer_sms_codes'))
    )
    with op.batch_alter_table('customer_sms_codes', schema=None) as batch_op:
        batch_op.create_index('ix_customer_sms_codes_tenant_mobile', ['tenant_id', 'mobile', 'created_at'], unique=False)
    enable_tenant_rls(op, 'customer_sms_codes')


def downgrade():
    op.drop_table('customer_sms_codes')
    op.execute("DELETE FROM customers WHERE openid IS NULL OR authorizer_appid IS NULL")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_customers_tenant_id_mobile'), type_='unique')
        batch_op.alter_column('openid', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('authorizer_appid', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('mobile')
