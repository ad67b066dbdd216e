"""The one way to write an audit record: who did what to a store, and when.

``record(action, detail, tenant_id=…, actor=…)`` adds an ``AuditEvent`` to the caller's session;
it is committed (or rolled back) with the change it describes. Actions are dotted names
(``tenant.suspend``, ``staff.add``, ``catalog.product.delete``); details are cut to fit.
"""

from __future__ import annotations

import uuid

from .extensions import db
from .models import AuditEvent
from .tenancy import current_tenant_id

DETAIL_MAX = 500
ACTION_MAX = 60


def record(action: str, detail: str = "", *, tenant_id: uuid.UUID | None = None, actor=None,
           actor_id: uuid.UUID | None = None) -> AuditEvent:
    """Record ``action`` on ``tenant_id`` (default: the current store) by ``actor`` (a User) or
    ``actor_id`` (None: the system)."""
    if len(action) > ACTION_MAX:
        raise ValueError(f"audit action too long: {action!r}")
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise ValueError("an audit record needs a store")
    row = AuditEvent(tenant_id=tenant_id, actor_id=actor.id if actor is not None else actor_id, action=action,
                     detail=str(detail or "")[:DETAIL_MAX])
    db.session.add(row)
    return row
