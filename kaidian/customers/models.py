"""The store's shoppers ("customers"; store staff are "staff").

A customer belongs to one store (``TenantScoped``). WeChat is one way to log in: the identity WeChat
gives under the store's official account is ``(authorizer_appid, openid)``, unique per store, with the
``unionid`` kept to recognise the same person across accounts of one principal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class Customer(TenantScoped, db.Model):
    """A store's shopper, with the identities they log in with and their profile."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "authorizer_appid", "openid"),
        Index("ix_customers_tenant_unionid", "tenant_id", "unionid"),
    )

    authorizer_appid: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))
    unionid: Mapped[str] = mapped_column(String(64), default="")
    nickname: Mapped[str] = mapped_column(String(100), default="")
    avatar: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


__all__ = ["Customer"]
