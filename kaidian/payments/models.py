"""Tables of the payments package: a store's payment settings, payments, refunds, and the record of every
notification a provider sent.

A payment is applied once: ``(tenant_id, transaction_id)`` is unique, and the move to ``paid`` is a
conditional UPDATE (only from ``created`` or ``closed``), so two copies of one notification — or a
notification racing the reconcile job — publish ``payment.succeeded`` once. At most one ``created``
payment exists per (purpose, reference, channel) (a partial unique index).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped

MODES = ("direct", "partner")
CHANNELS = ("jsapi", "native", "h5", "alipay_wap", "alipay_page")
# which provider takes each channel (WeChat Pay inside WeChat, on a desktop QR code, in a mobile browser;
# Alipay in a mobile or desktop browser)
CHANNEL_PROVIDERS = {"jsapi": "wechatpay", "native": "wechatpay", "h5": "wechatpay", "alipay_wap": "alipay",
                     "alipay_page": "alipay"}


class PaymentStatus:
    CREATED = "created"  # prepaid at the provider, waiting for the shopper
    PAID = "paid"
    CLOSED = "closed"  # closed unpaid (window over, reference cancelled, replaced)
    REFUNDED = "refunded"  # refunded in full

    OPEN = (CREATED,)


class RefundStatus:
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # abnormal or closed at the provider: the money did not go back


class PaymentSettings(TenantScoped, db.Model):
    """How a store takes payment with one provider. Secrets are Fernet-encrypted with ``DATA_KEY``."""

    __tablename__ = "payment_settings"
    # sub_mchid is looked up across stores (a partner-mode notification names only its sub-merchant), like
    # wechat_authorizers.appid; on Citus this would be a platform-level reference table.
    __table_args__ = (UniqueConstraint("tenant_id", "provider"), Index("ix_payment_settings_sub_mchid", "sub_mchid"))

    provider: Mapped[str] = mapped_column(String(16), default="wechatpay")
    mode: Mapped[str] = mapped_column(String(16), default="direct")  # direct | partner
    appid: Mapped[str] = mapped_column(String(32), default="")  # where shoppers pay from (sub_appid in partner mode)
    mchid: Mapped[str] = mapped_column(String(32), default="")
    cert_serial: Mapped[str] = mapped_column(String(64), default="")
    apiv3_key_encrypted: Mapped[str] = mapped_column(Text, default="")
    private_key_encrypted: Mapped[str] = mapped_column(Text, default="")
    public_key_id: Mapped[str] = mapped_column(String(64), default="")  # PUB_KEY_ID_…
    public_key_pem: Mapped[str] = mapped_column(Text, default="")  # WeChat Pay's public key: not a secret
    sub_mchid: Mapped[str] = mapped_column(String(32), default="")
    # Alipay partner mode: the store's grant (app_auth_token, refresh token, expiries) as encrypted JSON
    grant_encrypted: Mapped[str] = mapped_column(Text, default="", server_default="")

    SECRET_COLUMNS = ("apiv3_key_encrypted", "private_key_encrypted", "grant_encrypted")  # DATA_KEY-encrypted
    checked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    check_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    check_message: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class Payment(TenantScoped, db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "out_trade_no"),
        UniqueConstraint("tenant_id", "transaction_id"),
        Index("ix_payments_reference", "tenant_id", "purpose", "reference_id"),
        Index("ix_payments_status_created", "tenant_id", "status", "created_at"),
        Index("uq_payments_one_open", "tenant_id", "purpose", "reference_id", "channel", unique=True,
              postgresql_where="status = 'created'", sqlite_where="status = 'created'"),
    )

    provider: Mapped[str] = mapped_column(String(16), default="wechatpay")
    purpose: Mapped[str] = mapped_column(String(32))  # "order", later "subscription"; "test" in tests
    reference_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # models.CHANNELS
    out_trade_no: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str] = mapped_column(String(127))
    payer_openid: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.CREATED)
    mode: Mapped[str] = mapped_column(String(16))  # the settings' mode when it was made
    mchid: Mapped[str] = mapped_column(String(32))  # the merchant (sp_mchid in partner mode)
    sub_mchid: Mapped[str] = mapped_column(String(32), default="")
    prepay: Mapped[dict | None] = mapped_column(JSON)  # prepay_id / code_url / h5_url
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # last asked the provider (reconcile)


class Refund(TenantScoped, db.Model):
    __tablename__ = "payment_refunds"
    __table_args__ = (
        UniqueConstraint("tenant_id", "out_refund_no"),
        Index("ix_payment_refunds_status", "tenant_id", "status", "created_at"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    purpose: Mapped[str] = mapped_column(String(32))
    reference_id: Mapped[str] = mapped_column(String(64))
    out_refund_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.PROCESSING)
    provider_refund_id: Mapped[str] = mapped_column(String(64), default="")
    provider_status: Mapped[str] = mapped_column(String(32), default="")
    event_data: Mapped[dict] = mapped_column(JSON, default=dict)  # the caller's metadata, carried in the events
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class PaymentNotification(db.Model):
    """Every notification received, verified or not (platform-level: a partner-mode notification is only
    tied to a store once it has been decrypted). The body itself is not kept, only its digest."""

    __tablename__ = "payment_notifications"
    __table_args__ = (Index("ix_payment_notifications_tenant", "tenant_id", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16), default="wechatpay")
    route: Mapped[str] = mapped_column(String(16))  # direct | partner
    headers: Mapped[dict] = mapped_column(JSON)  # the Wechatpay-* headers as received
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_bytes: Mapped[int] = mapped_column(Integer)
    notification_id: Mapped[str] = mapped_column(String(64), default="")
    event_type: Mapped[str] = mapped_column(String(40), default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    out_trade_no: Mapped[str] = mapped_column(String(64), default="")
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[str] = mapped_column(String(32))  # applied | duplicate | refused
    detail: Mapped[str] = mapped_column(String(300), default="")
    http_status: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
