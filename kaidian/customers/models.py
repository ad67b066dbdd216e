"""The store's shoppers ("customers"; store staff are "staff").

A customer belongs to one store (``TenantScoped``) and has one or both identities:

* WeChat: ``(authorizer_appid, openid)`` under the store's official account, unique per store, with the
  ``unionid`` kept to recognise the same person across accounts of one principal;
* a mainland mobile number (``mobile``, unique per store), proven with an SMS code (``SmsCode``).

Both identity columns are optional (NULLs never collide in the unique constraints).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class Customer(TenantScoped, db.Model):
    """A store's shopper, with the identities they log in with and their profile."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "authorizer_appid", "openid"),
        UniqueConstraint("tenant_id", "mobile"),
        Index("ix_customers_tenant_unionid", "tenant_id", "unionid"),
    )

    authorizer_appid: Mapped[str | None] = mapped_column(String(32))
    openid: Mapped[str | None] = mapped_column(String(64))
    mobile: Mapped[str | None] = mapped_column(String(20))
    unionid: Mapped[str] = mapped_column(String(64), default="")
    nickname: Mapped[str] = mapped_column(String(100), default="")
    avatar: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    @property
    def display_name(self) -> str:
        """The nickname, else the mobile number with its middle digits hidden (138****0000)."""
        if self.nickname:
            return self.nickname
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if self.mobile else ""


class SmsCode(TenantScoped, db.Model):
    """A login code sent to a mobile number for this store: only its HMAC is kept; it expires, is used
    once, and dies after ``MAX_ATTEMPTS`` wrong tries (``customers/services.py``)."""

    __tablename__ = "customer_sms_codes"
    __table_args__ = (Index("ix_customer_sms_codes_tenant_mobile", "tenant_id", "mobile", "created_at"),)

    mobile: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class Address(TenantScoped, db.Model):
    """A delivery address in a customer's address book: the recipient, a province/city/district from
    ``customers/regions.py`` (codes, and the names as they were when saved), the street detail.
    At most ``addresses.MAX_PER_CUSTOMER`` per customer; at most one default (a partial unique index)."""

    __tablename__ = "customer_addresses"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"], ondelete="CASCADE"),
        Index("ix_customer_addresses_customer", "tenant_id", "customer_id"),
        Index("uq_customer_addresses_default", "tenant_id", "customer_id", unique=True,
              postgresql_where=text("is_default"), sqlite_where=text("is_default")),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recipient: Mapped[str] = mapped_column(String(30))
    mobile: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(12))
    province_name: Mapped[str] = mapped_column(String(30))
    city_code: Mapped[str] = mapped_column(String(12))
    city_name: Mapped[str] = mapped_column(String(30))
    district_code: Mapped[str] = mapped_column(String(12))
    district_name: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class AppSession(TenantScoped, db.Model):
    """A customer's login in the store's mini program: the bearer token's SHA-256 (the token itself is
    shown once, to the mini program), which mini program it was issued to, when it ends
    (``customers/app_sessions.py``)."""

    __tablename__ = "customer_app_sessions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token_digest"),
        Index("ix_customer_app_sessions_customer", "tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    appid: Mapped[str] = mapped_column(String(32))
    token_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)


__all__ = ["Address", "AppSession", "Customer", "SmsCode"]
