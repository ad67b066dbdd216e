"""Tables owned by the tenants package: store qualifications (licences) and their review."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped


class QualificationKind(enum.StrEnum):
    BUSINESS_LICENCE = "business_licence"
    FOOD_LICENCE = "food_licence"
    DRUG_LICENCE = "drug_licence"
    MEDICAL_DEVICE_LICENCE = "medical_device_licence"


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Qualification(TenantScoped, db.Model):
    __tablename__ = "qualifications"
    __table_args__ = (Index("ix_qualifications_tenant_kind", "tenant_id", "kind"),
                      Index("ix_qualifications_status", "status"))

    kind: Mapped[QualificationKind] = mapped_column(
        Enum(QualificationKind, name="qualification_kind", values_callable=lambda e: [m.value for m in e])
    )
    number: Mapped[str] = mapped_column(String(60), default="")
    file_key: Mapped[str] = mapped_column(String(200))
    file_kind: Mapped[str] = mapped_column(String(10))  # "pdf" or "image"
    status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, name="review_status", values_callable=lambda e: [m.value for m in e]),
        default=ReviewStatus.PENDING,
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
