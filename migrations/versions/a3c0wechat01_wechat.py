"""wechat: authorizers, component tickets, customers

Revision ID: a3c0wechat01
Revises: 9f22916671c0
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a3c0wechat01"
down_revision = "9f22916671c0"
branch_labels = None
depends_on = None

TENANT_TABLES = ("customers", "wechat_authorizers")
ENUM_TYPES = ("wechat_authorizer_kind", "wechat_authorizer_status")


def upgrade():
    # The latest component_verify_ticket per component appid (platform-level: no tenant).
    op.create_table('wechat_component_tickets',
    sa.Column('component_appid', sa.String(length=64), nullable=False),
    sa.Column('ticket', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('component_appid', name=op.f('pk_wechat_component_tickets'))
    )
    op.create_table('customers',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('authorizer_appid', sa.String(length=32), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('unionid', sa.String(length=64), nullable=False),
    sa.Column('nickname', sa.String(length=100), nullable=False),
    sa.Column('avatar', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customers')),
    sa.UniqueConstraint('tenant_id', 'authorizer_appid', 'openid', name=op.f('uq_customers_tenant_id_authorizer_appid_openid'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_tenant_unionid', ['tenant_id', 'unionid'], unique=False)

    op.create_table('wechat_authorizers',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('official_account', 'mini_program', name='wechat_authorizer_kind'), nullable=False),
    sa.Column('status', sa.Enum('authorized', 'unauthorized', 'broken', name='wechat_authorizer_status'), nullable=False),
    sa.Column('nick_name', sa.String(length=100), nullable=False),
    sa.Column('head_img', sa.String(length=500), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('principal_name', sa.String(length=200), nullable=False),
    sa.Column('service_type', sa.Integer(), nullable=False),
    sa.Column('verify_type', sa.Integer(), nullable=False),
    sa.Column('func_ids', sa.String(length=400), nullable=False),
    sa.Column('refresh_token_encrypted', sa.Text(), nullable=False),
    sa.Column('menu', sa.JSON(), nullable=True),
    sa.Column('menu_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('authorized_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wechat_authorizers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_wechat_authorizers')),
    # One WeChat account is bound to at most one store.
    sa.UniqueConstraint('appid', name=op.f('uq_wechat_authorizers_appid'))
    )

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    op.drop_table('wechat_authorizers')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_tenant_unionid')

    op.drop_table('customers')
    op.drop_table('wechat_component_tickets')
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUM_TYPES:
            op.execute(f"DROP TYPE IF EXISTS {name}")
