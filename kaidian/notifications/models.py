"""The store's notifications: one row per thing that happened, rendered in the reader's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class Notification(TenantScoped, db.Model):
    """``kind`` names a registered kind (its words, its link); ``params`` fill them in at display time, so
    one row reads in Chinese or English. ``deliveries`` records each channel's outcome
    (``{"email": "sent", "sms": "skipped: no number"}``)."""

    __tablename__ = "store_notifications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_store_notifications_unread", "tenant_id", "read_at", "created_at"),
    )

    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(160))
    deliveries: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime)


__all__ = ["Notification"]
