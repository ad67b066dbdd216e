"""Tables of the mini-program package.

A store's side (tenant-scoped, row-level security):

* ``MiniProgram``: the store's mini program — its appid, the setup checklist (server domains, web-view
  domains, privacy settings, service category: each done or not, with the last error) and whether an
  approved version is released automatically.
* ``CodeVersion``: one ``commit`` of a template with the store's ``ext_json`` (the trial version).
* ``Submission``: one review (提交审核) of a version: WeChat's ``auditid``, the status, the reason and
  screenshots of a rejection, who asked and when. Two partial unique indexes hold the rules: at most one
  open review per store (WeChat's own rule: 85009), and a store is submitted at most once per template
  version while a submission of it is in flight, approved or released (``NOT_HOLDING``: rejected, withdrawn,
  failed and rolled-back submissions do not count, so a fixed version — or one the merchant rolled back —
  can be committed and submitted again).
* ``HistoryEntry``: every transition of the above (``states.py`` writes them): what, when, who.

The platform's side (no tenant): ``WxaTemplate`` (the Open Platform's template library as last synced,
with the one marked current), ``UpgradeBatch`` and ``UpgradeItem`` (a bulk upgrade and each store's
state in it).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kaidian.platform.extensions import db
from kaidian.platform.models import TZDateTime, utcnow
from kaidian.platform.tenancy import TenantScoped

# Submission statuses that hold the store's one open review / the (store, template) slot. The one place the
# "already submitted" rule lives: a submission in any other status than NOT_HOLDING holds its template
# version (the partial unique index below; the bulk upgrade's candidates read the same tuple). A rolled-back
# release gives the slot back: the merchant may commit and submit that template version again.
OPEN_SQL = "status IN ('submitting', 'auditing', 'delayed', 'withdrawing')"
NOT_HOLDING = ("rejected", "withdrawn", "failed", "rolled_back")
LIVE_SQL = "status NOT IN (" + ", ".join(f"'{status}'" for status in NOT_HOLDING) + ")"


class MiniProgram(TenantScoped, db.Model):
    __tablename__ = "mp_programs"
    __table_args__ = (UniqueConstraint("tenant_id", "appid"),)

    appid: Mapped[str] = mapped_column(String(32))
    setup: Mapped[dict] = mapped_column(JSON, default=dict)  # step → {"done_at", "errcode", "error", "waiting"}
    auto_release: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class CodeVersion(TenantScoped, db.Model):
    __tablename__ = "mp_versions"
    __table_args__ = (Index("ix_mp_versions_created", "tenant_id", "created_at"),)

    appid: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[int] = mapped_column(BigInteger)
    user_version: Mapped[str] = mapped_column(String(64))
    user_desc: Mapped[str] = mapped_column(String(200), default="")
    ext_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="committing")  # committing / committed / failed
    submit_after: Mapped[bool] = mapped_column(Boolean, default=False)  # submit once committed (resubmit, bulk)
    batch_item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    errcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class Submission(TenantScoped, db.Model):
    __tablename__ = "mp_submissions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "version_id"),
        Index("uq_mp_submissions_open", "tenant_id", unique=True,
              postgresql_where=text(OPEN_SQL), sqlite_where=text(OPEN_SQL)),
        Index("uq_mp_submissions_template", "tenant_id", "template_id", unique=True,
              postgresql_where=text(LIVE_SQL), sqlite_where=text(LIVE_SQL)),
        Index("ix_mp_submissions_status", "tenant_id", "status"),
    )

    version_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    appid: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[int] = mapped_column(BigInteger)
    batch_item_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20), default="submitting")
    auditid: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    screenshots: Mapped[list] = mapped_column(JSON, default=list)  # media ids of a rejection
    errcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    requested_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # WeChat gave the auditid
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    released_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_polled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class HistoryEntry(TenantScoped, db.Model):
    __tablename__ = "mp_history"
    __table_args__ = (Index("ix_mp_history_at", "tenant_id", "at"),)

    subject: Mapped[str] = mapped_column(String(20))  # version / submission / setup / settings
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # None: Kaidian itself (a job, WeChat's event)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class WxaTemplate(db.Model):
    """A template of the Open Platform's library, as last synced (``gettemplatelist``)."""

    __tablename__ = "mp_templates"

    template_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    template_type: Mapped[int] = mapped_column(Integer, default=0)
    user_version: Mapped[str] = mapped_column(String(64))
    user_desc: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # WeChat's create_time
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class UpgradeBatch(db.Model):
    __tablename__ = "mp_upgrade_batches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    template_id: Mapped[int] = mapped_column(BigInteger)
    user_version: Mapped[str] = mapped_column(String(64))
    filter: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class UpgradeItem(db.Model):
    __tablename__ = "mp_upgrade_items"
    __table_args__ = (UniqueConstraint("batch_id", "tenant_id"),
                      Index("ix_mp_upgrade_items_state", "batch_id", "state"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mp_upgrade_batches.id", ondelete="CASCADE"))
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    errcode: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(500), default="")
    lease_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


__all__ = ["CodeVersion", "HistoryEntry", "MiniProgram", "Submission", "UpgradeBatch", "UpgradeItem", "WxaTemplate"]
