"""Tables of the official accounts' template messages (kept apart from ``models.py`` so the accounts and
the messages sent through them read separately).

* ``AccountTemplate``: a library template added to a store's official account (``api_add_template``),
  one per (account, kind): the ``template_id`` WeChat gave is reused for every message of that kind.
* ``TemplateMessage``: one row per message Kaidian means to send — what, to whom, about what
  (``reference``: an order id…), the outcome of the send and WeChat's later delivery report
  (``TEMPLATESENDJOBFINISH``, matched by ``msgid``). ``dedupe_key`` makes a repeated request (a replayed
  domain event) the same message.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Enum, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # recorded, the send job has not succeeded yet (it may be retrying)
    SENT = "sent"  # WeChat accepted it (a msgid); delivery not reported yet
    FAILED = "failed"  # refused for good, or WeChat reported "failed: system failed"
    DELIVERED = "delivered"  # TEMPLATESENDJOBFINISH success
    USER_BLOCKED = "user_blocked"  # TEMPLATESENDJOBFINISH failed:user block (the shopper refuses messages)


class AccountTemplate(TenantScoped, db.Model):
    __tablename__ = "wechat_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "appid", "kind"),)

    appid: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    short_id: Mapped[str] = mapped_column(String(40))
    template_id: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class TemplateMessage(TenantScoped, db.Model):
    __tablename__ = "wechat_template_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_wechat_template_messages_msgid", "tenant_id", "appid", "msgid"),
        Index("ix_wechat_template_messages_openid", "tenant_id", "openid", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    appid: Mapped[str] = mapped_column(String(32), default="")
    openid: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str] = mapped_column(String(160))
    payload: Mapped[dict] = mapped_column(JSON)  # {"data": {key: {"value": …}}, "url": …}
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, name="wechat_template_message_status", values_callable=lambda e: [m.value for m in e]),
        default=MessageStatus.QUEUED)
    msgid: Mapped[int | None] = mapped_column(BigInteger)
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # WeChat's delivery report
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


__all__ = ["AccountTemplate", "MessageStatus", "TemplateMessage"]
