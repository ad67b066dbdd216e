"""Qualification use cases: merchants upload licences, platform admins approve or reject them.

Licence files are private: stored under ``p/`` keys and only served to the store's members and
platform admins, never through the public media route.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.jobs import after_commit
from kaidian.platform.models import Tenant, User, utcnow
from kaidian.platform.storage import document_kind, get_storage, reencode_image
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from .models import Qualification, QualificationKind, ReviewStatus
from .rules import required_licences
from .schemas import QualificationUploadSchema, ReviewSchema


def list_for(tenant: Tenant) -> list[Qualification]:
    return list(db.session.execute(
        select(Qualification).where(Qualification.tenant_id == tenant.id).order_by(Qualification.uploaded_at.desc())
    ).scalars())


def get(qualification_id: uuid.UUID) -> Qualification:
    """One of the current store's qualifications (another store's id is simply not found)."""
    row = db.session.execute(select(Qualification).where(Qualification.id == qualification_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


@atomic
def upload(tenant: Tenant, form: dict, data: bytes, actor: User) -> Qualification:
    values = load(QualificationUploadSchema(), form)
    kind = document_kind(data)
    body, extension, content_type = (data, "pdf", "application/pdf") if kind == "pdf" else (
        reencode_image(data), "jpg", "image/jpeg")
    key = f"p/{tenant.id}/qualifications/{uuid.uuid4().hex}.{extension}"
    get_storage().save(key, body, content_type)
    row = Qualification(tenant_id=tenant.id, kind=QualificationKind(values["kind"]), number=values["number"],
                        file_key=key, file_kind=kind, uploaded_by=actor.id)
    db.session.add(row)
    audit.record("qualification.upload", values["kind"], tenant_id=tenant.id, actor=actor)
    return row


@atomic
def delete(row: Qualification, actor: User, tenant: Tenant) -> None:
    if row.status == ReviewStatus.APPROVED:
        raise Conflict(_l("An approved licence cannot be deleted; upload a new one instead."))
    storage, key = get_storage(), row.file_key
    after_commit(lambda app: storage.delete(key))  # the file goes once the row is gone for good
    db.session.delete(row)
    audit.record("qualification.delete", row.kind.value, tenant_id=tenant.id, actor=actor)


def file_of(row: Qualification) -> tuple[bytes, str]:
    content_type = "application/pdf" if row.file_kind == "pdf" else "image/jpeg"
    return get_storage().read(row.file_key), content_type


@atomic
def review(row: Qualification, data: dict, reviewer: User, tenant: Tenant) -> Qualification:
    values = load(ReviewSchema(), data)
    reason = values["reason"].strip()
    if values["decision"] == "reject" and not reason:
        raise ValidationFailed(fields={"reason": [_l("Tell the merchant why it is rejected.")]})
    row.status = ReviewStatus.APPROVED if values["decision"] == "approve" else ReviewStatus.REJECTED
    row.reason, row.reviewed_by, row.reviewed_at = reason, reviewer.id, utcnow()
    audit.record(f"qualification.{values['decision']}", f"{row.kind.value} {reason}", tenant_id=tenant.id,
                 actor=reviewer)
    return row


def checklist(tenant: Tenant) -> list[dict]:
    """For each licence the store's categories need: the latest upload and its status."""
    rows = list_for(tenant)
    items = []
    for kind in required_licences(tenant.category_list):
        latest = next((r for r in rows if r.kind == kind), None)
        items.append({"kind": kind, "latest": latest})
    return items


def pending_review(limit: int = 50) -> list[Qualification]:
    """All stores' qualifications waiting for review (platform admins; caller sees all tenants)."""
    return list(db.session.execute(
        select(Qualification).where(Qualification.status == ReviewStatus.PENDING)
        .order_by(Qualification.uploaded_at).limit(limit)
    ).scalars())
