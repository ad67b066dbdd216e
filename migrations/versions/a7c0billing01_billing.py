"""billing: plan prices, subscriptions and their events, payments and receipts, 发票 requests, notices;
tenant_status gains grace and expired; the trial / paid_until columns move into subscriptions

Revision ID: a7c0billing01
Revises: a7c0payments1

Every existing store gets a subscription: a trial until its trial end (expired when that has
passed), active until its paid_until, closed when closed; a suspended store keeps ``suspended``
on the tenant and gets the subscription its dates say.
"""
import uuid
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from kaidian.platform.tenancy import enable_tenant_rls

revision = "a7c0billing01"
down_revision = "a7c0payments1"
branch_labels = None
depends_on = None

TENANT_TABLES = ("subscriptions", "subscription_events", "billing_payments", "invoice_requests", "billing_notices")
ENUMS = {
    "billing_period": ("year", "month"),
    "subscription_state": ("trial", "active", "grace", "expired", "closed"),
    "billing_payment_method": ("wechat_native", "bank_transfer", "comp"),
    "billing_payment_status": ("pending", "paid", "expired", "refunded"),
    "invoice_status": ("requested", "issued"),
    "billing_notice_status": ("pending", "sent", "failed"),
}
PRICES = {"basic": (698_00, 69_00), "pro": (2_980_00, 298_00), "flagship": (9_800_00, 980_00)}


def _enum(name):
    return postgresql.ENUM(*ENUMS[name], name=name, create_type=False)


def _tenant_fk(table):
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE")


def _user_fk(table, column):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="SET NULL")


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE tenant_status ADD VALUE IF NOT EXISTS 'grace'")
            op.execute("ALTER TYPE tenant_status ADD VALUE IF NOT EXISTS 'expired'")
        for name, values in ENUMS.items():
            postgresql.ENUM(*values, name=name).create(bind, checkfirst=True)
    ts = sa.DateTime(timezone=True)
    op.create_table("plan_prices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("period", _enum("billing_period"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", ts, nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        _user_fk("plan_prices", "created_by"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_prices"))
    op.create_index("ix_plan_prices_lookup", "plan_prices", ["plan", "period", "valid_from"])
    op.create_table("receipt_sequences",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_receipt_sequences"))
    op.create_table("subscriptions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("period", _enum("billing_period"), nullable=False),
        sa.Column("state", _enum("subscription_state"), nullable=False),
        sa.Column("trial_ends_at", ts, nullable=True),
        sa.Column("period_start", ts, nullable=False),
        sa.Column("period_end", ts, nullable=False),
        sa.Column("grace_ends_at", ts, nullable=True),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("pending_plan", sa.String(20), nullable=False),
        sa.Column("pending_from", ts, nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        _tenant_fk("subscriptions"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_subscriptions"),
        sa.UniqueConstraint("tenant_id", name="uq_subscriptions_tenant_id"))
    op.create_index("ix_subscriptions_state_end", "subscriptions", ["state", "period_end"])
    op.create_table("subscription_events",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(10), nullable=False),
        sa.Column("to_state", sa.String(10), nullable=False),
        sa.Column("from_plan", sa.String(20), nullable=False),
        sa.Column("to_plan", sa.String(20), nullable=False),
        sa.Column("period_end", ts, nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        _tenant_fk("subscription_events"),
        _user_fk("subscription_events", "actor_id"),
        sa.ForeignKeyConstraint(["tenant_id", "subscription_id"], ["subscriptions.tenant_id", "subscriptions.id"],
                                name="fk_subscription_events_subscription", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_subscription_events"))
    op.create_index("ix_subscription_events_time", "subscription_events", ["tenant_id", "created_at"])
    op.create_table("billing_payments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("method", _enum("billing_payment_method"), nullable=False),
        sa.Column("status", _enum("billing_payment_status"), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("period", _enum("billing_period"), nullable=False),
        sa.Column("list_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("provider_ref", sa.String(64), nullable=False),
        sa.Column("code_url", sa.String(300), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("receipt_no", sa.String(20), nullable=True),
        sa.Column("covers_start", ts, nullable=True),
        sa.Column("covers_end", ts, nullable=True),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=True),
        sa.Column("paid_at", ts, nullable=True),
        _tenant_fk("billing_payments"),
        _user_fk("billing_payments", "created_by"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_billing_payments"))
    op.create_index("ix_billing_payments_transaction", "billing_payments", ["transaction_id"], unique=True)
    op.create_index("ix_billing_payments_receipt", "billing_payments", ["receipt_no"], unique=True)
    op.create_index("ix_billing_payments_status", "billing_payments", ["status", "expires_at"])
    op.create_table("invoice_requests",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("company", sa.String(100), nullable=False),
        sa.Column("tax_number", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", _enum("invoice_status"), nullable=False),
        sa.Column("file_key", sa.String(200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("issued_at", ts, nullable=True),
        _tenant_fk("invoice_requests"),
        _user_fk("invoice_requests", "created_by"),
        sa.ForeignKeyConstraint(["tenant_id", "payment_id"], ["billing_payments.tenant_id", "billing_payments.id"],
                                name="fk_invoice_requests_payment", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_invoice_requests"),
        sa.UniqueConstraint("tenant_id", "payment_id", name="uq_invoice_requests_tenant_id_payment_id"))
    op.create_table("billing_notices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("period_end", ts, nullable=False),
        sa.Column("status", _enum("billing_notice_status"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("sent_at", ts, nullable=True),
        _tenant_fk("billing_notices"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_billing_notices"),
        sa.UniqueConstraint("tenant_id", "kind", "period_end", name="uq_billing_notices_tenant_id_kind_period_end"))
    op.create_index("ix_billing_notices_status", "billing_notices", ["status"])

    _seed_prices(bind)
    _move_tenants(bind)
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.drop_column("paid_until")
        batch_op.drop_column("trial_ends_at")
    for table in TENANT_TABLES:
        enable_tenant_rls(op, table)


def _seed_prices(bind):
    since = datetime(2020, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    rows = [{"id": uuid.uuid4(), "plan": plan, "period": period, "amount_fen": fen, "valid_from": since,
             "created_at": now}
            for plan, (year, month) in PRICES.items() for period, fen in (("year", year), ("month", month))]
    table = sa.table("plan_prices", sa.column("id", sa.Uuid()), sa.column("plan"), sa.column("period"),
                     sa.column("amount_fen"), sa.column("valid_from", sa.DateTime(timezone=True)),
                     sa.column("created_at", sa.DateTime(timezone=True)))
    op.bulk_insert(table, rows)


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _move_tenants(bind):
    now = datetime.now(UTC)
    tenants = bind.execute(sa.text("SELECT id, status, plan, trial_ends_at, paid_until, created_at FROM tenants")).all()
    subs, events = [], []
    for tenant_id, status, plan, trial_ends_at, paid_until, created_at in tenants:
        tenant_id = tenant_id if isinstance(tenant_id, uuid.UUID) else uuid.UUID(str(tenant_id))
        created_at, trial_ends_at, paid_until = _aware(created_at), _aware(trial_ends_at), _aware(paid_until)
        trial_end = trial_ends_at or (created_at or now) + timedelta(days=7)
        if status == "closed":
            state, start, end = "closed", created_at or now, paid_until or trial_end
        elif (paid_until and paid_until > now) or (status == "active"):
            state, start, end = "active", created_at or now, paid_until or now + timedelta(days=365)
        elif trial_end > now:
            state, start, end = "trial", created_at or now, trial_end
        else:
            state, start, end = "expired", created_at or now, paid_until or trial_end
        sub_id = uuid.uuid4()
        subs.append({"tenant_id": tenant_id, "id": sub_id, "plan": plan, "period": "year", "state": state,
                     "trial_ends_at": trial_end, "period_start": start, "period_end": end, "paid_fen": 0,
                     "pending_plan": "", "created_at": now, "updated_at": now})
        events.append({"tenant_id": tenant_id, "id": uuid.uuid4(), "subscription_id": sub_id, "action": "migration",
                       "from_state": "", "to_state": state, "from_plan": "", "to_plan": plan, "period_end": end,
                       "reason": "subscriptions introduced", "created_at": now})
        if status != "suspended" and status != state:
            value = "CAST(:state AS tenant_status)" if bind.dialect.name == "postgresql" else ":state"
            bind.execute(sa.text(f"UPDATE tenants SET status = {value} WHERE id = :id"),
                         {"state": state, "id": tenant_id})
    dt = sa.DateTime(timezone=True)
    if subs:
        op.bulk_insert(sa.table("subscriptions", sa.column("tenant_id", sa.Uuid()), sa.column("id", sa.Uuid()),
                                sa.column("plan"), sa.column("period"), sa.column("state"),
                                sa.column("trial_ends_at", dt), sa.column("period_start", dt),
                                sa.column("period_end", dt), sa.column("paid_fen"), sa.column("pending_plan"),
                                sa.column("created_at", dt), sa.column("updated_at", dt)), subs)
        op.bulk_insert(sa.table("subscription_events", sa.column("tenant_id", sa.Uuid()), sa.column("id", sa.Uuid()),
                                sa.column("subscription_id", sa.Uuid()), sa.column("action"),
                                sa.column("from_state"), sa.column("to_state"), sa.column("from_plan"),
                                sa.column("to_plan"), sa.column("period_end", dt), sa.column("reason"),
                                sa.column("created_at", dt)), events)


def downgrade():
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.add_column(sa.Column("trial_ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paid_until", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE tenants SET status = 'active' WHERE status IN ('grace')"))
    bind.execute(sa.text("UPDATE tenants SET status = 'trial' WHERE status IN ('expired')"))
    for table in ("billing_notices", "invoice_requests", "billing_payments", "subscription_events", "subscriptions",
                  "receipt_sequences", "plan_prices"):
        op.drop_table(table)
    if bind.dialect.name == "postgresql":
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
