"""Tables of the WeChat package: the component ticket, authorizers (bound accounts).
Shoppers are ``kaidian.customers.models.Customer``; WeChat is one way they log in.

``Authorizer.appid`` is unique across all tenants: one WeChat account is bound to at most one store
(on Citus this unique index would need a platform-level reference table instead).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class AuthorizerKind(enum.StrEnum):
    OFFICIAL_ACCOUNT = "official_account"
    MINI_PROGRAM = "mini_program"


class AuthorizerStatus(enum.StrEnum):
    AUTHORIZED = "authorized"
    UNAUTHORIZED = "unauthorized"  # the merchant cancelled it in WeChat
    BROKEN = "broken"  # WeChat refused the refresh token (61023)


def _values(enum_cls):
    return [member.value for member in enum_cls]


class ComponentTicket(db.Model):
    """The latest component_verify_ticket per component appid: durable, used until a newer one arrives."""

    __tablename__ = "wechat_component_tickets"

    component_appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime)  # WeChat's CreateTime
    received_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Authorizer(TenantScoped, db.Model):
    """An official account or mini program a store authorized Kaidian to act for."""

    __tablename__ = "wechat_authorizers"
    __table_args__ = (UniqueConstraint("appid"),)

    appid: Mapped[str] = mapped_column(String(32))
    kind: Mapped[AuthorizerKind] = mapped_column(
        Enum(AuthorizerKind, name="wechat_authorizer_kind", values_callable=_values))
    status: Mapped[AuthorizerStatus] = mapped_column(
        Enum(AuthorizerStatus, name="wechat_authorizer_status", values_callable=_values),
        default=AuthorizerStatus.AUTHORIZED)
    nick_name: Mapped[str] = mapped_column(String(100), default="")
    head_img: Mapped[str] = mapped_column(String(500), default="")
    user_name: Mapped[str] = mapped_column(String(64), default="")  # the gh_ id
    principal_name: Mapped[str] = mapped_column(String(200), default="")
    service_type: Mapped[int] = mapped_column(Integer, default=0)  # 0 subscription, 1 upgraded, 2 service
    verify_type: Mapped[int] = mapped_column(Integer, default=-1)  # -1 unverified
    func_ids: Mapped[str] = mapped_column(String(400), default="")  # comma list of granted permission sets
    refresh_token_encrypted: Mapped[str] = mapped_column(Text, default="")
    menu: Mapped[dict | None] = mapped_column(JSON)  # the menu draft, {"button": [...]}
    menu_published_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    authorized_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    @property
    def func_id_list(self) -> list[int]:
        return [int(fid) for fid in self.func_ids.split(",") if fid]

    @property
    def is_service_account(self) -> bool:
        return self.service_type == 2

    @property
    def is_verified(self) -> bool:
        return self.verify_type != -1

    @property
    def is_bound(self) -> bool:
        return self.status == AuthorizerStatus.AUTHORIZED


__all__ = ["Authorizer", "AuthorizerKind", "AuthorizerStatus", "ComponentTicket"]
