"""The one service other packages call to check a plan's limit or feature."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError

from .plans import FEATURES, LIMITS, PLANS, Plan


class PlanLimitReached(AppError):
    status = 403
    code = "plan_limit_reached"


class FeatureNotInPlan(AppError):
    status = 403
    code = "feature_not_in_plan"


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


def check_limit(tenant, limit: str, current_count: int, adding: int = 1) -> None:
    """Raise ``PlanLimitReached`` (with an upgrade link) if adding would pass the plan's limit."""
    maximum = limit_of(tenant, limit)
    if maximum is not None and current_count + adding > maximum:
        raise PlanLimitReached(
            _l("Your %(plan)s plan allows %(max)s %(what)s. Upgrade to add more.",
               plan=plan_of(tenant).name, max=maximum, what=_limit_label(limit)),
            fields={"upgrade_url": [_upgrade_url()]},
        )


def has_feature(tenant, feature: str) -> bool:
    if feature not in FEATURES:
        raise KeyError(feature)
    return feature in plan_of(tenant).features


def require_feature(tenant, feature: str) -> None:
    if not has_feature(tenant, feature):
        raise FeatureNotInPlan(
            _l("%(feature)s is not in your plan. Upgrade to use it.", feature=FEATURES[feature]),
            fields={"upgrade_url": [_upgrade_url()]},
        )


def _limit_label(limit: str):
    return {"products": _l("products"), "staff": _l("staff accounts"), "pages": _l("pages")}[limit]


def _upgrade_url() -> str:
    try:
        return url_for("merchant.plan")
    except Exception:  # noqa: BLE001 - outside a request
        return "/admin/plan"
