"""Billing's tables: plan prices, each store's subscription and its history, payments with their
receipts, 发票 requests, and the reminders sent.

The subscription's state changes only through ``billing.lifecycle`` (the one state machine);
these classes only hold the data.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


def _enum(cls, name: str):
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])


class SubscriptionState(enum.StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    GRACE = "grace"
    EXPIRED = "expired"
    CLOSED = "closed"


class Period(enum.StrEnum):
    YEAR = "year"
    MONTH = "month"


class PaymentMethod(enum.StrEnum):
    WECHAT_NATIVE = "wechat_native"
    BANK_TRANSFER = "bank_transfer"
    COMP = "comp"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    REFUNDED = "refunded"


class PlanPrice(db.Model):
    """A plan's price for a period from ``valid_from`` on (platform-wide). The price in force at a
    purchase is copied onto the payment, so a change never reaches back."""

    __tablename__ = "plan_prices"
    __table_args__ = (Index("ix_plan_prices_lookup", "plan", "period", "valid_from"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    plan: Mapped[str] = mapped_column(String(20))
    period: Mapped[Period] = mapped_column(_enum(Period, "billing_period"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[datetime] = mapped_column(TZDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Subscription(TenantScoped, db.Model):
    """A store's one subscription: its plan, state and the paid (or trial) period."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("tenant_id"), Index("ix_subscriptions_state_end", "state", "period_end"))

    plan: Mapped[str] = mapped_column(String(20))
    period: Mapped[Period] = mapped_column(_enum(Period, "billing_period"), default=Period.YEAR)
    state: Mapped[SubscriptionState] = mapped_column(_enum(SubscriptionState, "subscription_state"))
    trial_ends_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    period_start: Mapped[datetime] = mapped_column(TZDateTime)
    period_end: Mapped[datetime] = mapped_column(TZDateTime)  # trial end while in trial
    grace_ends_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # what the current period cost (proration)
    pending_plan: Mapped[str] = mapped_column(String(20), default="")  # a downgrade waiting for renewal
    pending_from: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class SubscriptionEvent(TenantScoped, db.Model):
    """One change of a subscription: who (None: the system), when, why, from → to."""

    __tablename__ = "subscription_events"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "subscription_id"], ["subscriptions.tenant_id", "subscriptions.id"],
                             ondelete="CASCADE"),
        Index("ix_subscription_events_time", "tenant_id", "created_at"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(10), default="")
    to_state: Mapped[str] = mapped_column(String(10))
    from_plan: Mapped[str] = mapped_column(String(20), default="")
    to_plan: Mapped[str] = mapped_column(String(20), default="")
    period_end: Mapped[datetime | None] = mapped_column(TZDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class BillingPayment(TenantScoped, db.Model):
    """A store's payment to the platform for a plan and period (WeChat Pay, bank transfer or a comp)."""

    __tablename__ = "billing_payments"
    __table_args__ = (
        Index("ix_billing_payments_transaction", "transaction_id", unique=True),
        Index("ix_billing_payments_receipt", "receipt_no", unique=True),
        Index("ix_billing_payments_status", "status", "expires_at"),
    )

    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod, "billing_payment_method"))
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus, "billing_payment_status"),
                                                  default=PaymentStatus.PENDING)
    plan: Mapped[str] = mapped_column(String(20))
    period: Mapped[Period] = mapped_column(_enum(Period, "billing_period"))
    list_fen: Mapped[int] = mapped_column(BigInteger)  # the plan's price then
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # proration credit of an upgrade
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # what is charged
    kind: Mapped[str] = mapped_column(String(10), default="renew")  # new, renew, upgrade
    provider_ref: Mapped[str] = mapped_column(String(64), default="")  # the payments package's payment id
    code_url: Mapped[str] = mapped_column(String(300), default="")
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    receipt_no: Mapped[str | None] = mapped_column(String(20))
    covers_start: Mapped[datetime | None] = mapped_column(TZDateTime)
    covers_end: Mapped[datetime | None] = mapped_column(TZDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class ReceiptSequence(db.Model):
    """The last receipt number given in a year (numbers run 1, 2, 3… per year, platform-wide)."""

    __tablename__ = "receipt_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class InvoiceStatus(enum.StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"


class InvoiceRequest(TenantScoped, db.Model):
    """A merchant's request for a 发票 for a payment; the platform uploads the file later."""

    __tablename__ = "invoice_requests"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "payment_id"], ["billing_payments.tenant_id", "billing_payments.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "payment_id"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    company: Mapped[str] = mapped_column(String(100))
    tax_number: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus, "invoice_status"),
                                                  default=InvoiceStatus.REQUESTED)
    file_key: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class NoticeStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class BillingNotice(TenantScoped, db.Model):
    """A reminder owed to a store (7/3/1 days before expiry, expired…): one row per kind and
    period end, so the sweep that creates it can run any number of times. ``deliveries`` holds each
    notification channel's outcome (``{"email": "sent", "sms": "failed: …", "wechat": "skipped: …"}``)."""

    __tablename__ = "billing_notices"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "period_end"), Index("ix_billing_notices_status", "status"))

    kind: Mapped[str] = mapped_column(String(20))
    period_end: Mapped[datetime] = mapped_column(TZDateTime)
    status: Mapped[NoticeStatus] = mapped_column(_enum(NoticeStatus, "billing_notice_status"),
                                                 default=NoticeStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    deliveries: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
