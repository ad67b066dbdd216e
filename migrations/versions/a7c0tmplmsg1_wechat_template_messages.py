"""wechat: template messages (the templates added to each store's account, each message sent)

Revision ID: a7c0tmplmsg1
Revises: a6c0sessions1
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c0tmplmsg1"
down_revision = "a6c0sessions1"
branch_labels = None
depends_on = None

TENANT_TABLES = ("wechat_templates", "wechat_template_messages")
ENUMS = ("wechat_template_message_status",)


def upgrade():
    op.create_table('wechat_templates',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('short_id', sa.String(length=40), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wechat_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_wechat_templates')),
    sa.UniqueConstraint('tenant_id', 'appid', 'kind', name=op.f('uq_wechat_templates_tenant_id_appid_kind'))
    )
    op.create_table('wechat_template_messages',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', 'delivered', 'user_blocked',
                                name='wechat_template_message_status'), nullable=False),
    sa.Column('msgid', sa.BigInteger(), nullable=True),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('errmsg', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wechat_template_messages_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_wechat_template_messages')),
    sa.UniqueConstraint('tenant_id', 'dedupe_key', name=op.f('uq_wechat_template_messages_tenant_id_dedupe_key'))
    )
    with op.batch_alter_table('wechat_template_messages', schema=None) as batch_op:
        batch_op.create_index('ix_wechat_template_messages_msgid', ['tenant_id', 'appid', 'msgid'], unique=False)
        batch_op.create_index('ix_wechat_template_messages_openid', ['tenant_id', 'openid', 'created_at'], unique=False)

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    with op.batch_alter_table('wechat_template_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_wechat_template_messages_openid')
        batch_op.drop_index('ix_wechat_template_messages_msgid')
    op.drop_table('wechat_template_messages')
    op.drop_table('wechat_templates')
    if op.get_bind().dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
