"""catalog: categories, groups, products, SKUs, images, stock ledger, notifications, imports

Revision ID: a4c0catalog1
Revises: a3c0wechat01
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a4c0catalog1"
down_revision = "a3c0wechat01"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "catalog_categories", "catalog_groups", "catalog_products", "catalog_product_groups", "catalog_skus",
    "catalog_product_images", "catalog_stock_movements", "catalog_notifications", "catalog_imports",
    "catalog_import_rows",
)
ENUMS = ("product_status", "import_status")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # keyword search: trigram index on titles (works for Chinese, where word splitting does not);
        # pg_trgm is a trusted extension, so a database owner may create it
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('catalog_categories',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'parent_id'], ['catalog_categories.tenant_id', 'catalog_categories.id'], name=op.f('fk_catalog_categories_tenant_id_parent_id_catalog_categories')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_categories_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_categories'))
    )
    with op.batch_alter_table('catalog_categories', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_categories_parent', ['tenant_id', 'parent_id', 'position'], unique=False)

    op.create_table('catalog_groups',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_groups'))
    )
    with op.batch_alter_table('catalog_groups', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_groups_position', ['tenant_id', 'position'], unique=False)

    op.create_table('catalog_imports',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_key', sa.String(length=200), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='import_status'), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_catalog_imports_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_imports_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_imports'))
    )
    with op.batch_alter_table('catalog_imports', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_imports_created', ['tenant_id', 'created_at'], unique=False)

    op.create_table('catalog_import_rows',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('sku_code', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=True),
    sa.Column('sku_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'import_id'], ['catalog_imports.tenant_id', 'catalog_imports.id'], name=op.f('fk_catalog_import_rows_tenant_id_import_id_catalog_imports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_import_rows_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_import_rows')),
    sa.UniqueConstraint('tenant_id', 'import_id', 'row_number', name=op.f('uq_catalog_import_rows_tenant_id_import_id_row_number'))
    )
    op.create_table('catalog_products',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('subtitle', sa.String(length=120), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('on_sale', 'off_sale', name='product_status'), nullable=False),
    sa.Column('specs', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=False),
    sa.Column('video_key', sa.String(length=200), nullable=False),
    sa.Column('video_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('low_stock_threshold >= 0', name=op.f('ck_catalog_products_threshold_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['catalog_categories.tenant_id', 'catalog_categories.id'], name=op.f('fk_catalog_products_tenant_id_category_id_catalog_categories')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_products_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_products'))
    )
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_products_category', ['tenant_id', 'category_id'], unique=False)
        batch_op.create_index('ix_catalog_products_listing', ['tenant_id', 'deleted_at', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_catalog_products_title_trgm', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})

    op.create_table('catalog_product_groups',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('group_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['catalog_groups.tenant_id', 'catalog_groups.id'], name=op.f('fk_catalog_product_groups_tenant_id_group_id_catalog_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['catalog_products.tenant_id', 'catalog_products.id'], name=op.f('fk_catalog_product_groups_tenant_id_product_id_catalog_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_product_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_product_groups')),
    sa.UniqueConstraint('tenant_id', 'product_id', 'group_id', name=op.f('uq_catalog_product_groups_tenant_id_product_id_group_id'))
    )
    with op.batch_alter_table('catalog_product_groups', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_product_groups_group', ['tenant_id', 'group_id'], unique=False)

    op.create_table('catalog_product_images',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('original_key', sa.String(length=200), nullable=False),
    sa.Column('image_key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['catalog_products.tenant_id', 'catalog_products.id'], name=op.f('fk_catalog_product_images_tenant_id_product_id_catalog_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_product_images_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_product_images'))
    )
    with op.batch_alter_table('catalog_product_images', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_product_images_product', ['tenant_id', 'product_id', 'position'], unique=False)

    op.create_table('catalog_skus',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('spec_key', sa.String(length=300), nullable=False),
    sa.Column('spec_values', sa.JSON(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('original_price', sa.Integer(), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('barcode', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price >= 0', name=op.f('ck_catalog_skus_price_not_negative')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_catalog_skus_stock_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['catalog_products.tenant_id', 'catalog_products.id'], name=op.f('fk_catalog_skus_tenant_id_product_id_catalog_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_skus_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_skus'))
    )
    with op.batch_alter_table('catalog_skus', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_skus_product', ['tenant_id', 'product_id', 'position'], unique=False)
        batch_op.create_index('uq_catalog_skus_code', ['tenant_id', 'code'], unique=True, postgresql_where=sa.text('retired_at IS NULL'), sqlite_where=sa.text('retired_at IS NULL'))

    op.create_table('catalog_notifications',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('sku_id', sa.Uuid(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['catalog_products.tenant_id', 'catalog_products.id'], name=op.f('fk_catalog_notifications_tenant_id_product_id_catalog_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'sku_id'], ['catalog_skus.tenant_id', 'catalog_skus.id'], name=op.f('fk_catalog_notifications_tenant_id_sku_id_catalog_skus'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_notifications_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_notifications'))
    )
    with op.batch_alter_table('catalog_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_notifications_open', ['tenant_id', 'resolved_at', 'created_at'], unique=False)

    op.create_table('catalog_stock_movements',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sku_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('stock_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_catalog_stock_movements_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'sku_id'], ['catalog_skus.tenant_id', 'catalog_skus.id'], name=op.f('fk_catalog_stock_movements_tenant_id_sku_id_catalog_skus'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_stock_movements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_catalog_stock_movements'))
    )
    with op.batch_alter_table('catalog_stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_stock_movements_sku', ['tenant_id', 'sku_id', 'created_at'], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    with op.batch_alter_table('catalog_stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_stock_movements_sku')

    op.drop_table('catalog_stock_movements')
    with op.batch_alter_table('catalog_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_notifications_open')

    op.drop_table('catalog_notifications')
    with op.batch_alter_table('catalog_skus', schema=None) as batch_op:
        batch_op.drop_index('uq_catalog_skus_code', postgresql_where=sa.text('retired_at IS NULL'), sqlite_where=sa.text('retired_at IS NULL'))
        batch_op.drop_index('ix_catalog_skus_product')

    op.drop_table('catalog_skus')
    with op.batch_alter_table('catalog_product_images', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_product_images_product')

    op.drop_table('catalog_product_images')
    with op.batch_alter_table('catalog_product_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_product_groups_group')

    op.drop_table('catalog_product_groups')
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_products_title_trgm', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
        batch_op.drop_index('ix_catalog_products_listing')
        batch_op.drop_index('ix_catalog_products_category')

    op.drop_table('catalog_products')
    op.drop_table('catalog_import_rows')
    with op.batch_alter_table('catalog_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_imports_created')

    op.drop_table('catalog_imports')
    with op.batch_alter_table('catalog_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_groups_position')

    op.drop_table('catalog_groups')
    with op.batch_alter_table('catalog_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_categories_parent')

    op.drop_table('catalog_categories')
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
