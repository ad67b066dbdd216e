"""The subscription state machine — the one place a subscription's state, plan or period changes.

::

    trial ──pay──▶ active ──period ends──▶ grace ──grace ends──▶ expired
      │              ▲ │ pay/extend (renew)   │ pay                 │ pay
      │              │ └──────────◀───────────┴─────────────────────┘
      └─trial ends──▶ expired                         (any) ──close──▶ closed

Every change — a state move, an extension, a plan change — writes a ``SubscriptionEvent`` (who,
when, why, from → to) and an audit record, and mirrors state and plan onto the ``Tenant`` row
(``Tenant.status`` / ``Tenant.plan``), which every request reads without a query: trial, active
and grace are open; expired closes the storefront and makes the admin read-only except billing.
A plan change also suspends the staff beyond the new plan's staff limit, or restores them
(``staff_access``).
A platform admin's suspension sits on top: while suspended, the mirror keeps ``suspended`` and
``tenants.services.resume`` restores the subscription's state.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from kaidian.platform import audit
from kaidian.platform.errors import Conflict
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus, utcnow

from . import staff_access
from .models import Period, Subscription, SubscriptionEvent, SubscriptionState

S = SubscriptionState

TRANSITIONS: dict[SubscriptionState, frozenset[SubscriptionState]] = {
    S.TRIAL: frozenset({S.TRIAL, S.ACTIVE, S.EXPIRED, S.CLOSED}),
    S.ACTIVE: frozenset({S.ACTIVE, S.GRACE, S.CLOSED}),
    S.GRACE: frozenset({S.ACTIVE, S.EXPIRED, S.CLOSED}),
    S.EXPIRED: frozenset({S.ACTIVE, S.CLOSED}),
    S.CLOSED: frozenset(),
}


def grace_days() -> int:
    return current_app.config["BILLING_GRACE_DAYS"]


def period_length(period: Period, start: datetime) -> timedelta:
    """A year is 365 days, a month 30: simple, predictable for proration, shown on the pricing page."""
    return timedelta(days=365 if Period(period) == Period.YEAR else 30)


def start_trial(tenant: Tenant, plan: str, *, actor=None, now: datetime | None = None) -> Subscription:
    now = now or utcnow()
    end = now + timedelta(days=current_app.config["TRIAL_DAYS"])
    sub = Subscription(tenant_id=tenant.id, plan=plan, state=S.TRIAL, trial_ends_at=end, period_start=now,
                       period_end=end, paid_fen=0)
    db.session.add(sub)
    db.session.flush()
    _record(sub, tenant, "trial.start", "", S.TRIAL, "", plan, actor, "")
    _mirror(sub, tenant)
    return sub


def move(sub: Subscription, tenant: Tenant, to: SubscriptionState, action: str, *, actor=None, reason: str = "",
         period_end: datetime | None = None, period_start: datetime | None = None) -> None:
    """Move ``sub`` to ``to`` (optionally with a new period), or refuse a move the table does not allow."""
    if to not in TRANSITIONS[sub.state]:
        raise Conflict(_l("A %(state)s subscription cannot become %(to)s.", state=sub.state.value, to=to.value))
    before = sub.state
    sub.state = to
    if period_start is not None:
        sub.period_start = period_start
    if period_end is not None:
        sub.period_end = period_end
    sub.grace_ends_at = sub.period_end + timedelta(days=grace_days()) if to == S.GRACE else None
    _record(sub, tenant, action, before.value, to.value, sub.plan, sub.plan, actor, reason)
    _mirror(sub, tenant)


def change_plan(sub: Subscription, tenant: Tenant, plan: str, action: str, *, actor=None, reason: str = "") -> None:
    before = sub.plan
    sub.plan = plan
    if sub.pending_plan and (sub.pending_plan == plan or action != "plan.downgrade_applied"):
        sub.pending_plan, sub.pending_from = "", None
    _record(sub, tenant, action, sub.state.value, sub.state.value, before, plan, actor, reason)
    _mirror(sub, tenant)
    staff_access.apply_limit(tenant, actor)


def schedule_downgrade(sub: Subscription, tenant: Tenant, plan: str, *, actor=None, reason: str = "") -> None:
    sub.pending_plan, sub.pending_from = plan, sub.period_end
    _record(sub, tenant, "plan.downgrade_scheduled", sub.state.value, sub.state.value, sub.plan, plan, actor, reason)


def cancel_downgrade(sub: Subscription, tenant: Tenant, *, actor=None) -> None:
    _record(sub, tenant, "plan.downgrade_cancelled", sub.state.value, sub.state.value, sub.pending_plan, sub.plan,
            actor, "")
    sub.pending_plan, sub.pending_from = "", None


def _record(sub, tenant, action, from_state, to_state, from_plan, to_plan, actor, reason) -> None:
    db.session.add(SubscriptionEvent(
        tenant_id=tenant.id, subscription_id=sub.id, action=action, from_state=str(from_state),
        to_state=str(to_state), from_plan=from_plan, to_plan=to_plan, period_end=sub.period_end,
        reason=(reason or "")[:200], actor_id=getattr(actor, "id", None)))
    detail = f"{from_state}->{to_state} {from_plan}->{to_plan} until {sub.period_end:%Y-%m-%d}"
    audit.record(f"billing.{action}", f"{detail} {reason}".strip(), tenant_id=tenant.id, actor=actor)


def _mirror(sub: Subscription, tenant: Tenant) -> None:
    tenant.plan = sub.plan
    if tenant.status != TenantStatus.SUSPENDED:
        tenant.status = TenantStatus(sub.state.value)


def tenant_status_after_suspension(sub: Subscription | None) -> TenantStatus:
    """What a resumed store goes back to."""
    return TenantStatus(sub.state.value) if sub is not None else TenantStatus.TRIAL
