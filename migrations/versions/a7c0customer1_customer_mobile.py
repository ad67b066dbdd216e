"""customers: a mobile identity (WeChat's becomes optional), SMS login codes, the address book

Revision ID: a7c0customer1
Revises: a7c2ordexpt1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c0customer1"
down_revision = "a7c2ordexpt1"
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

    op.create_table('customer_addresses',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('recipient', sa.String(length=30), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('province_code', sa.String(length=12), nullable=False),
    sa.Column('province_name', sa.String(length=30), nullable=False),
    sa.Column('city_code', sa.String(length=12), nullable=False),
    sa.Column('city_name', sa.String(length=30), nullable=False),
    sa.Column('district_code', sa.String(length=12), nullable=False),
    sa.Column('district_name', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.String(length=120), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_addresses_tenant_id_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_addresses_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customer_addresses'))
    )
    with op.batch_alter_table('customer_addresses', schema=None) as batch_op:
        batch_op.create_index('ix_customer_addresses_customer', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('uq_customer_addresses_default', ['tenant_id', 'customer_id'], unique=True,
                              postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))
    enable_tenant_rls(op, 'customer_addresses')


def downgrade():
    op.drop_table('customer_addresses')
    op.drop_table('customer_sms_codes')
    op.execute("DELETE FROM customers WHERE openid IS NULL OR authorizer_appid IS NULL")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_customers_tenant_id_mobile'), type_='unique')
        batch_op.alter_column('openid', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('authorizer_appid', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('mobile')
