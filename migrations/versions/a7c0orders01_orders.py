"""orders: carts, orders with lines and timeline, after-sales, freight templates, pickup points, settings

Revision ID: a7c0orders01
Revises: a7c0tmplmsg1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c0orders01"
down_revision = "a7c0tmplmsg1"
branch_labels = None
depends_on = None

TENANT_TABLES = ("order_settings", "order_cart_lines", "orders", "order_lines", "order_events",
                 "order_after_sales", "order_freight_templates", "order_pickup_points")


def upgrade():
    op.create_table('order_cart_lines',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('sku_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_cart_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_cart_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_cart_lines')),
    sa.UniqueConstraint('tenant_id', 'customer_id', 'sku_id', name=op.f('uq_order_cart_lines_tenant_id_customer_id_sku_id'))
    )
    op.create_table('order_freight_templates',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('excluded_regions', sa.JSON(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_freight_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_freight_templates'))
    )
    with op.batch_alter_table('order_freight_templates', schema=None) as batch_op:
        batch_op.create_index('ix_order_freight_templates_default', ['tenant_id', 'is_default'], unique=False)

    op.create_table('order_pickup_points',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('hours', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_pickup_points_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_pickup_points'))
    )
    op.create_table('order_settings',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('payment_window_minutes', sa.Integer(), nullable=False),
    sa.Column('auto_complete_days', sa.Integer(), nullable=False),
    sa.Column('return_address', sa.String(length=300), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('auto_complete_days BETWEEN 1 AND 60', name=op.f('ck_order_settings_auto_complete_range')),
    sa.CheckConstraint('payment_window_minutes BETWEEN 5 AND 1440', name=op.f('ck_order_settings_payment_window_range')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_settings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_settings')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_order_settings_tenant_id'))
    )
    op.create_table('orders',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('delivery_method', sa.String(length=10), nullable=False),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('pickup_point', sa.JSON(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('goods_fen', sa.BigInteger(), nullable=False),
    sa.Column('freight_fen', sa.BigInteger(), nullable=False),
    sa.Column('adjust_fen', sa.BigInteger(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('refunded_fen', sa.BigInteger(), nullable=False),
    sa.Column('payment_id', sa.String(length=64), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=False),
    sa.Column('carrier', sa.String(length=40), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('merchant_remark', sa.String(length=200), nullable=False),
    sa.Column('pay_deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('goods_fen >= 0 AND freight_fen >= 0 AND total_fen >= 0', name=op.f('ck_orders_amounts_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_orders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_orders')),
    sa.UniqueConstraint('tenant_id', 'customer_id', 'idempotency_key', name=op.f('uq_orders_tenant_id_customer_id_idempotency_key')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_orders_tenant_id_number'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_customer', ['tenant_id', 'customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_orders_pay_deadline', ['status', 'pay_deadline'], unique=False)
        batch_op.create_index('ix_orders_shipped', ['status', 'shipped_at'], unique=False)
        batch_op.create_index('ix_orders_status', ['tenant_id', 'status', 'created_at'], unique=False)

    op.create_table('order_after_sales',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('refund_number', sa.String(length=32), nullable=False),
    sa.Column('reject_reason', sa.String(length=200), nullable=False),
    sa.Column('return_address', sa.String(length=300), nullable=False),
    sa.Column('return_carrier', sa.String(length=40), nullable=False),
    sa.Column('return_tracking_number', sa.String(length=40), nullable=False),
    sa.Column('refund_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_order_after_sales_amount_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['orders.tenant_id', 'orders.id'], name=op.f('fk_order_after_sales_tenant_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_after_sales_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_after_sales')),
    sa.UniqueConstraint('tenant_id', 'refund_number', name=op.f('uq_order_after_sales_tenant_id_refund_number'))
    )
    with op.batch_alter_table('order_after_sales', schema=None) as batch_op:
        batch_op.create_index('ix_order_after_sales_order', ['tenant_id', 'order_id'], unique=False)
        batch_op.create_index('ix_order_after_sales_status', ['tenant_id', 'status', 'created_at'], unique=False)

    op.create_table('order_events',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('after_sale_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['orders.tenant_id', 'orders.id'], name=op.f('fk_order_events_tenant_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_events'))
    )
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_order_events_order', ['tenant_id', 'order_id', 'created_at'], unique=False)

    op.create_table('order_lines',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('sku_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('spec_text', sa.String(length=200), nullable=False),
    sa.Column('image_key', sa.String(length=200), nullable=False),
    sa.Column('unit_fen', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('refunded_quantity', sa.Integer(), nullable=False),
    sa.Column('refunded_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0 AND unit_fen >= 0', name=op.f('ck_order_lines_line_values')),
    sa.CheckConstraint('refunded_quantity >= 0 AND refunded_quantity <= quantity', name=op.f('ck_order_lines_refunded_within')),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['orders.tenant_id', 'orders.id'], name=op.f('fk_order_lines_tenant_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_order_lines_order', ['tenant_id', 'order_id', 'position'], unique=False)
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_order')

    op.drop_table('order_lines')
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_order_events_order')

    op.drop_table('order_events')
    with op.batch_alter_table('order_after_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_order_after_sales_status')
        batch_op.drop_index('ix_order_after_sales_order')

    op.drop_table('order_after_sales')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_status')
        batch_op.drop_index('ix_orders_shipped')
        batch_op.drop_index('ix_orders_pay_deadline')
        batch_op.drop_index('ix_orders_customer')

    op.drop_table('orders')
    op.drop_table('order_settings')
    op.drop_table('order_pickup_points')
    with op.batch_alter_table('order_freight_templates', schema=None) as batch_op:
        batch_op.drop_index('ix_order_freight_templates_default')

    op.drop_table('order_freight_templates')
    op.drop_table('order_cart_lines')
