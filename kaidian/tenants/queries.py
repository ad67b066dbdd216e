"""Read-side queries over all stores, for platform admins (callers are inside ``all_tenants``)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select

from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant

from .models import Qualification


def search_tenants(q: str = "", status: str | None = None, plan: str | None = None,
                   page: int = 1, per_page: int = 20) -> tuple[list[Tenant], int]:
    query = select(Tenant)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Tenant.slug).like(like), func.lower(Tenant.name).like(like),
                                func.lower(Tenant.contact_email).like(like), Tenant.contact_phone.like(like)))
    if status:
        query = query.where(Tenant.status == status)
    if plan:
        query = query.where(Tenant.plan == plan)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(Tenant.created_at.desc()).offset((page - 1) * per_page)
                              .limit(per_page)).scalars()
    return list(rows), total


def tenant_or_404(tenant_id: uuid.UUID) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant


def qualification_of(tenant: Tenant, qualification_id: uuid.UUID) -> Qualification:
    row = db.session.get(Qualification, (tenant.id, qualification_id))
    if row is None:
        raise NotFound()
    return row


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Tenant.status, func.count()).group_by(Tenant.status))
    return {status.value: count for status, count in rows}
