"""The platform's own tables: tenants (stores), their domains, users, memberships and API tokens.

The tenant's lifecycle rules (signup, trial, suspension) live in ``kaidian.tenants.services``;
these classes only hold the data and answer questions about it.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .tenancy import TenantScoped


def utcnow() -> datetime:
    return datetime.now(UTC)


class TZDateTime(db.TypeDecorator):
    """Timezone-aware datetimes on PostgreSQL and SQLite alike (stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TenantStatus(enum.StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"


class Tenant(db.Model):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, name="tenant_status", values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.TRIAL,
        index=True,
    )
    plan: Mapped[str] = mapped_column(String(20), index=True)
    trial_ends_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    paid_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    suspended_reason: Mapped[str] = mapped_column(String(200), default="")
    default_locale: Mapped[str] = mapped_column(String(10), default="zh")
    logo_key: Mapped[str] = mapped_column(String(200), default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    service_wechat_id: Mapped[str] = mapped_column(String(40), default="")
    categories: Mapped[str] = mapped_column(String(200), default="")  # comma list of business categories
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]

    def is_open(self, now: datetime | None = None) -> bool:
        """Open for business: active, or in a trial that has not ended."""
        now = now or utcnow()
        if self.status == TenantStatus.ACTIVE:
            return True
        return self.status == TenantStatus.TRIAL and (self.trial_ends_at is None or self.trial_ends_at > now)

    def trial_days_left(self, now: datetime | None = None) -> int:
        if self.status != TenantStatus.TRIAL or self.trial_ends_at is None:
            return 0
        return max(0, (self.trial_ends_at - (now or utcnow())).days + 1)


class Domain(db.Model):
    """A custom domain claimed by a store (looked up before any tenant is known). It serves the
    store only once ``verified_at`` is set: the merchant proved control of it with a DNS TXT record
    (``kaidian.tenants.domains``)."""

    __tablename__ = "domains"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    check_error: Mapped[str] = mapped_column(String(200), default="")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(11), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(60), default="")
    locale: Mapped[str] = mapped_column(String(10), default="")
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_user: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_user

    @property
    def login_name(self) -> str:
        return self.email or self.mobile or ""


class Membership(TenantScoped, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        Index("ix_memberships_user", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="member_role", values_callable=lambda e: [m.value for m in e])
    )
    permissions: Mapped[str] = mapped_column(String(400), default="")  # extra grants for staff
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def permission_list(self) -> list[str]:
        return [p for p in self.permissions.split(",") if p]


class ApiToken(TenantScoped, db.Model):
    """A personal API token: a member's Bearer credential for one store. Only its hash is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_digest", "digest", unique=True),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    digest: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEvent(TenantScoped, db.Model):
    """Who did what to a store (suspensions, approvals, staff changes)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_time", "tenant_id", "created_at"),)

    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


__all__ = [
    "ApiToken",
    "AuditEvent",

    "Domain",
    "Membership",
    "Role",
    "Tenant",
    "TenantStatus",
    "User",
    "utcnow",
]
