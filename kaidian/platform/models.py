"""The platform's own tables: tenants (stores), their domains, users, memberships and API tokens.

The tenant's lifecycle rules live in ``kaidian.tenants.services`` (signup, suspension) and
``kaidian.billing.lifecycle`` (trial, paid, grace, expired, closed);
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
    """Trial, active, grace, expired and closed mirror the store's subscription (written only by
    ``kaidian.billing.lifecycle``, the one state machine); suspended is a platform admin's hold on top."""

    TRIAL = "trial"
    ACTIVE = "active"
    GRACE = "grace"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({TenantStatus.TRIAL, TenantStatus.ACTIVE, TenantStatus.GRACE})


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

    def is_open(self) -> bool:
        """Open for business: in a trial, paid, or in the grace period after the paid time."""
        return self.status in OPEN_STATUSES

    def may_pay(self) -> bool:
        """The billing pages stay writable while the store is open or expired (paying reopens it)."""
        return self.is_open() or self.status == TenantStatus.EXPIRED


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

    session_key = None  # str: the login this request runs under (kaidian.platform.sessions), unmapped

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_user

    def get_id(self) -> str:  # Flask-Login: the session and the remember-me cookie carry the login too
        return f"{self.id}:{self.session_key}"

    @property
    def login_name(self) -> str:
        return self.email or self.mobile or ""


class UserSession(db.Model):
    """One login of a user (a browser). Only the SHA-256 digest of its key is kept; the key travels in
    the signed session and remember-me cookies, and a request is logged in only while this row lives."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the key
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)


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
    # set while the member may not act for the store (billing: beyond the plan's staff limit); kept, not deleted
    suspended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    suspended_reason: Mapped[str] = mapped_column(String(40), default="")

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
    "OPEN_STATUSES",
    "Role",
    "Tenant",
    "TenantStatus",
    "User",
    "UserSession",
    "utcnow",
]
