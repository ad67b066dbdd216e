"""Staff accounts over the plan's staff limit (after a downgrade at renewal, or a platform admin's plan
change): the newest staff lose access first — suspended (``Membership.suspended_at``), never deleted,
never the owner — and get it back as soon as the plan allows them again (an upgrade).

Like content over a limit (``services.shown_cap``) the rule is "the oldest N keep it"; unlike content,
access is checked on every request by the platform (``auth.check_staff`` refuses a suspended member),
so the decision is written on the membership when the plan changes (``lifecycle.change_plan``).
"""

from __future__ import annotations

from sqlalchemy import select

from kaidian.platform import audit
from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Role, Tenant, utcnow

from .plans import PLANS

REASON = "over_plan_staff_limit"


def _members(tenant: Tenant) -> list[Membership]:
    """Owners first, then the other staff oldest first: the order in which access is kept."""
    rows = db.session.execute(select(Membership).where(Membership.tenant_id == tenant.id)
                              .order_by(Membership.created_at, Membership.id)).scalars()
    return sorted(rows, key=lambda m: m.role != Role.OWNER)


def over_limit(tenant: Tenant, plan_code: str) -> list[Membership]:
    """The staff who would lose access under ``plan_code``, newest first (never an owner)."""
    allowed = PLANS[plan_code].limits.get("staff")
    if allowed is None:
        return []
    members = _members(tenant)
    kept = max(allowed, sum(1 for m in members if m.role == Role.OWNER))
    return list(reversed(members[kept:]))


def apply_limit(tenant: Tenant, actor=None) -> tuple[list[Membership], list[Membership]]:
    """Suspend the staff beyond the store's plan and restore those within it; (suspended, restored)."""
    over = {m.id for m in over_limit(tenant, tenant.plan)}
    suspended, restored = [], []
    for member in _members(tenant):
        if member.id in over and member.suspended_at is None:
            member.suspended_at, member.suspended_reason = utcnow(), REASON
            suspended.append(member)
        elif member.id not in over and member.suspended_reason == REASON:
            member.suspended_at, member.suspended_reason = None, ""
            restored.append(member)
    for action, rows in (("staff.suspended", suspended), ("staff.restored", restored)):
        if rows:
            audit.record(f"billing.{action}", f"plan {tenant.plan}: " + ", ".join(m.user.login_name for m in rows),
                         tenant_id=tenant.id, actor=actor)
    return suspended, restored
