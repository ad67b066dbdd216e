"""themes: theme settings, page documents and their versions

Revision ID: a5c0themes01
Revises: a4c0catalog1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a5c0themes01"
down_revision = "a4c0catalog1"
branch_labels = None
depends_on = None

TENANT_TABLES = ("theme_settings", "theme_pages", "theme_page_versions")
ENUMS = ("theme_page_kind",)


def upgrade():
    op.create_table('theme_settings',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('template', sa.String(length=20), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('published', sa.JSON(), nullable=False),
    sa.Column('published_version', sa.Integer(), nullable=False),
    sa.Column('draft_revision', sa.Integer(), nullable=False),
    sa.Column('draft_base_version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_theme_settings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_theme_settings_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_theme_settings')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_theme_settings_tenant_id'))
    )
    op.create_table('theme_pages',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('handle', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('system', 'custom', name='theme_page_kind'), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('published', sa.JSON(), nullable=True),
    sa.Column('published_version', sa.Integer(), nullable=False),
    sa.Column('draft_revision', sa.Integer(), nullable=False),
    sa.Column('draft_base_version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Uuid(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_theme_pages_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_theme_pages_updated_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_theme_pages_published_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_theme_pages')),
    sa.UniqueConstraint('tenant_id', 'handle', name=op.f('uq_theme_pages_tenant_id_handle'))
    )
    op.create_table('theme_page_versions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('page_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'page_id'], ['theme_pages.tenant_id', 'theme_pages.id'], name=op.f('fk_theme_page_versions_tenant_id_page_id_theme_pages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_theme_page_versions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_theme_page_versions_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_theme_page_versions')),
    sa.UniqueConstraint('tenant_id', 'page_id', 'version', name=op.f('uq_theme_page_versions_tenant_id_page_id_version'))
    )
    with op.batch_alter_table('theme_page_versions', schema=None) as batch_op:
        batch_op.create_index('ix_theme_page_versions_page', ['tenant_id', 'page_id', 'created_at'], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    with op.batch_alter_table('theme_page_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_theme_page_versions_page')

    op.drop_table('theme_page_versions')
    op.drop_table('theme_pages')
    op.drop_table('theme_settings')
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
