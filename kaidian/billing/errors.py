"""Billing's errors (rendered by ``platform/errors.py`` as JSON under ``/api/`` or as a page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError


class PlanLimitReached(AppError):
    status = 403
    code = "plan_limit_reached"


class FeatureNotInPlan(AppError):
    status = 403
    code = "feature_not_in_plan"


class PaymentRefused(AppError):
    """A payment notification that does not match what was asked (amount, order)."""

    status = 409
    code = "payment_refused"
    message = _l("This payment does not match its order.")


class PaymentUnavailable(AppError):
    status = 503
    code = "payment_unavailable"
    message = _l("Online payment is not available right now; please try again later or pay by bank transfer.")
