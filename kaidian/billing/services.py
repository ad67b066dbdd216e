"""The one service other packages call about billing: a plan's limits and features (the same
decision for pages, the API and jobs), and the few facts of a store's subscription they show.

* ``check_limit(tenant, limit, count, adding)`` raises ``PlanLimitReached`` (403) naming the lowest
  plan that allows it; ``limit_of`` / ``usage_of`` for pages that show "12 of 100".
* ``require_feature(tenant, feature)`` raises ``FeatureNotInPlan`` (403) naming the lowest plan that
  has it; ``requires_feature(feature)`` is the decorator form for a capability's entry point (a view
  or a service function taking the tenant first, or acting for ``g.tenant``). The decorator — or
  ``declare_check(feature, where)`` beside an inline ``require_feature`` — registers the feature in
  ``CHECKED_FEATURES`` when the module is imported, so ``tests/billing/test_features.py`` fails for
  a feature of the plan table that nothing checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from flask import g, has_request_context, url_for
from flask_babel import lazy_gettext as _l

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus
from kaidian.platform.tenancy import tenant_context

from . import lifecycle
from .errors import FeatureNotInPlan, PlanLimitReached
from .plans import FEATURES, LIMITS, PLANS, RANK, Plan

__all__ = ["FeatureNotInPlan", "PlanLimitReached", "check_limit", "require_feature", "requires_feature"]

# feature → where it is checked ("module.function"), filled as entry points are imported
CHECKED_FEATURES: dict[str, set[str]] = {}


def all_plans() -> list[Plan]:
    return list(PLANS.values())


def plan_of(tenant) -> Plan:
    return PLANS[tenant.plan]


def is_plan(code: str) -> bool:
    return code in PLANS


def limit_of(tenant, limit: str) -> int | None:
    if limit not in LIMITS:
        raise KeyError(limit)
    return plan_of(tenant).limits.get(limit)


def plan_allowing(limit: str, count: int) -> Plan | None:
    """The lowest plan whose ``limit`` allows ``count``."""
    for plan in sorted(PLANS.values(), key=lambda p: RANK[p.code]):
        maximum = plan.limits.get(limit)
        if maximum is None or count <= maximum:
            return plan
    return None


def plan_with(feature: str) -> Plan | None:
    return next((p for p in sorted(PLANS.values(), key=lambda p: RANK[p.code]) if feature in p.features), None)


def check_limit(tenant, limit: str, current_count: int, adding: int = 1) -> None:
    """Raise ``PlanLimitReached`` (naming the plan that allows it, with an upgrade link) if adding
    would pass the plan's limit."""
    maximum = limit_of(tenant, limit)
    if maximum is not None and current_count + adding > maximum:
        better = plan_allowing(limit, current_count + adding)
        plan, what = plan_of(tenant).name, _limit_label(limit)
        message = (_l("Your %(plan)s plan allows %(max)s %(what)s. Upgrade to the %(better)s plan to add more.",
                      plan=plan, max=maximum, what=what, better=better.name)
                   if better is not None else
                   _l("Your %(plan)s plan allows %(max)s %(what)s.", plan=plan, max=maximum, what=what))
        raise PlanLimitReached(message, fields={"upgrade_url": [_upgrade_url()],
                                                "plan": [better.code if better else plan_of(tenant).code]})


def has_feature(tenant, feature: str) -> bool:
    if feature not in FEATURES:
        raise KeyError(feature)
    return feature in plan_of(tenant).features


def require_feature(tenant, feature: str) -> None:
    if not has_feature(tenant, feature):
        better = plan_with(feature)
        raise FeatureNotInPlan(
            _l("%(feature)s is not in your plan; the %(better)s plan has it. Upgrade to use it.",
               feature=FEATURES[feature], better=better.name),
            fields={"upgrade_url": [_upgrade_url()], "plan": [better.code]},
        )


def requires_feature(feature: str) -> Callable:
    """Decorator for a capability's entry point: the current store (``g.tenant``, or a ``Tenant``
    passed first) must have ``feature``. Registers the check when the module is imported."""
    if feature not in FEATURES:
        raise KeyError(feature)

    def decorator(func):
        _register(feature, f"{func.__module__}.{func.__qualname__}")

        @wraps(func)
        def wrapped(*args, **kwargs):
            tenant = args[0] if args and isinstance(args[0], Tenant) else g.tenant
            require_feature(tenant, feature)
            return func(*args, **kwargs)

        return wrapped

    return decorator


def declare_check(feature: str, where: str) -> None:
    """For a check written inline (``if not has_feature(...)``): say where, so the test sees it."""
    if feature not in FEATURES:
        raise KeyError(feature)
    _register(feature, where)


def _register(feature: str, where: str) -> None:
    CHECKED_FEATURES.setdefault(feature, set()).add(where)


def require_api_access(tenant: Tenant) -> None:
    """The guard billing registers with ``platform.api_tokens``: issuing a token and using one both need
    the plan's ``api_access`` (403 naming the plan that has it)."""
    require_feature(tenant, "api_access")


declare_check("api_access", "kaidian.platform.api_tokens.issue")
declare_check("api_access", "kaidian.platform.auth._authenticate_token")


def _limit_label(limit: str):
    return {"products": _l("products"), "staff": _l("staff accounts"), "pages": _l("pages")}[limit]


def _upgrade_url() -> str:
    try:
        return url_for("billing_admin.plan")
    except Exception:  # noqa: BLE001 - outside a request
        return "/admin/plan"


# --- usage: each package that owns a limited thing says how many a store has ------------------------

USAGE_COUNTERS: dict[str, Callable[[Tenant], int]] = {}


def register_usage(limit: str, counter: Callable[[Tenant], int]) -> None:
    """``counter(tenant)`` counts ``limit``'s things in the current store (registered in ``init_app``)."""
    if limit not in LIMITS:
        raise KeyError(limit)
    USAGE_COUNTERS[limit] = counter


def usage_of(tenant: Tenant, plan: Plan | None = None) -> list[dict]:
    """Each limit with its label, what the store uses and what ``plan`` (default: its own) allows."""
    plan = plan or plan_of(tenant)
    rows = []
    for limit in LIMITS:
        counter = USAGE_COUNTERS.get(limit)
        used = counter(tenant) if counter is not None else None
        allowed = plan.limits.get(limit)
        rows.append({"limit": limit, "label": _limit_label(limit), "used": used, "allowed": allowed,
                     "over": used is not None and allowed is not None and used > allowed})
    return rows


def shown_cap(tenant: Tenant | None, limit: str) -> int | None:
    """After a downgrade a store may have more than its plan allows: shoppers then see only the oldest
    that many (the rest is kept, hidden, and shown again on an upgrade). None: show everything.
    Remembered for the request."""
    if tenant is None:
        return None
    allowed, counter = limit_of(tenant, limit), USAGE_COUNTERS.get(limit)
    if allowed is None or counter is None:
        return None
    memo = g.setdefault("kaidian_shown_caps", {}) if has_request_context() else {}
    key = (tenant.id, tenant.plan, limit)
    if key not in memo:
        memo[key] = allowed if counter(tenant) > allowed else None
    return memo[key]


def over_limits(tenant: Tenant, plan_code: str) -> list[dict]:
    """What the store has beyond ``plan_code``'s limits (the downgrade warning)."""
    return [row for row in usage_of(tenant, PLANS[plan_code]) if row["over"]]


# --- the subscription, as other packages see it -----------------------------------------------------


def start_trial(tenant: Tenant, plan: str, *, actor=None):
    """A new store's trial of ``plan`` (called by signup, in its transaction)."""
    return lifecycle.start_trial(tenant, plan, actor=actor)


def _subscription(tenant: Tenant):
    from .models import Subscription

    with tenant_context(tenant.id):
        return db.session.execute(db.select(Subscription).where(Subscription.tenant_id == tenant.id)
                                  ).scalar_one_or_none()


def dates_of(tenant: Tenant) -> dict:
    """``trial_ends_at`` and ``paid_until`` (None when there is none), for pages and the API."""
    sub = _subscription(tenant)
    if sub is None:
        return {"trial_ends_at": None, "paid_until": None}
    paid = sub.state.value != "trial" and sub.paid_fen > 0 or sub.state.value in ("active", "grace")
    return {"trial_ends_at": sub.trial_ends_at, "paid_until": sub.period_end if paid else None}


def status_after_suspension(tenant: Tenant) -> TenantStatus:
    return lifecycle.tenant_status_after_suspension(_subscription(tenant))


def subscription_id(tenant: Tenant) -> uuid.UUID | None:
    sub = _subscription(tenant)
    return sub.id if sub is not None else None


def summary_of(tenant: Tenant) -> dict:
    """For templates: state, days left and the dates (ISO, or None)."""
    from kaidian.platform.models import utcnow

    sub = _subscription(tenant)
    if sub is None:
        return {"state": tenant.status.value, "days_left": 0, "period_end": None, "trial_ends_at": None,
                "paid_until": None, "grace_ends_at": None}
    dates = dates_of(tenant)

    def day(value):
        return value.date().isoformat() if value else None

    seconds = (sub.period_end - utcnow()).total_seconds()
    return {"state": sub.state.value, "days_left": max(0, -(-int(seconds) // 86400)), "period_end": day(sub.period_end),
            "trial_ends_at": day(dates["trial_ends_at"]), "paid_until": day(dates["paid_until"]),
            "grace_ends_at": day(sub.grace_ends_at)}
