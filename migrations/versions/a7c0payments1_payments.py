"""payments: payment settings, payments, refunds, notifications received

Revision ID: a7c0payments1
Revises: a7c0orders01
"""
from alembic import op
import sqlalchemy as sa

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c0payments1"
down_revision = "a7c0orders01"
branch_labels = None
depends_on = None

TENANT_TABLES = ("payment_settings", "payments", "payment_refunds")


def _tenant_columns():
    return [sa.Column("tenant_id", sa.Uuid(), nullable=False), sa.Column("id", sa.Uuid(), nullable=False)]


def _tenant_keys(table):
    return [
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    ]


def upgrade():
    op.create_table(
        "payment_settings", *_tenant_columns(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("appid", sa.String(32), nullable=False),
        sa.Column("mchid", sa.String(32), nullable=False),
        sa.Column("cert_serial", sa.String(64), nullable=False),
        sa.Column("apiv3_key_encrypted", sa.Text(), nullable=False),
        sa.Column("private_key_encrypted", sa.Text(), nullable=False),
        sa.Column("public_key_id", sa.String(64), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("sub_mchid", sa.String(32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_ok", sa.Boolean(), nullable=False),
        sa.Column("check_message", sa.String(500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant_keys("payment_settings"),
        sa.UniqueConstraint("tenant_id", "provider", name=op.f("uq_payment_settings_tenant_id_provider")),
    )
    op.create_index("ix_payment_settings_sub_mchid", "payment_settings", ["sub_mchid"])

    op.create_table(
        "payments", *_tenant_columns(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("reference_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("out_trade_no", sa.String(32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(127), nullable=False),
        sa.Column("payer_openid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("mchid", sa.String(32), nullable=False),
        sa.Column("sub_mchid", sa.String(32), nullable=False),
        sa.Column("prepay", sa.JSON(), nullable=True),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_keys("payments"),
        sa.UniqueConstraint("tenant_id", "out_trade_no", name=op.f("uq_payments_tenant_id_out_trade_no")),
        # a provider's transaction is applied once
        sa.UniqueConstraint("tenant_id", "transaction_id", name=op.f("uq_payments_tenant_id_transaction_id")),
    )
    op.create_index("ix_payments_reference", "payments", ["tenant_id", "purpose", "reference_id"])
    op.create_index("ix_payments_status_created", "payments", ["tenant_id", "status", "created_at"])
    op.create_index("uq_payments_one_open", "payments", ["tenant_id", "purpose", "reference_id", "channel"],
                    unique=True, postgresql_where=sa.text("status = 'created'"),
                    sqlite_where=sa.text("status = 'created'"))

    op.create_table(
        "payment_refunds", *_tenant_columns(),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("reference_id", sa.String(64), nullable=False),
        sa.Column("out_refund_no", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_refund_id", sa.String(64), nullable=False),
        sa.Column("provider_status", sa.String(32), nullable=False),
        sa.Column("event_data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_keys("payment_refunds"),
        sa.UniqueConstraint("tenant_id", "out_refund_no", name=op.f("uq_payment_refunds_tenant_id_out_refund_no")),
    )
    op.create_index("ix_payment_refunds_status", "payment_refunds", ["tenant_id", "status", "created_at"])

    # Platform-level: a partner-mode notification belongs to a store only once decrypted.
    op.create_table(
        "payment_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("body_bytes", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("out_trade_no", sa.String(64), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_payment_notifications_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_notifications")),
    )
    op.create_index("ix_payment_notifications_tenant", "payment_notifications", ["tenant_id", "received_at"])

    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    op.drop_table("payment_notifications")
    op.drop_table("payment_refunds")
    op.drop_table("payments")
    op.drop_table("payment_settings")
