"""The public pricing page on the platform site: plans, prices per year and month, limits,
features and a FAQ, with a link into the trial signup."""

from __future__ import annotations

from flask import Blueprint, render_template

from . import services, subscriptions
from .models import Period
from .plans import FEATURES, LIMITS

bp = Blueprint("billing_pricing", __name__, template_folder="templates")


@bp.get("/pricing")
def pricing():
    plans = services.all_plans()
    prices = {(p.code, period.value): subscriptions.price_for(p.code, period) for p in plans for period in Period}
    return render_template("billing/pricing.html", plans=plans, prices=prices, features=FEATURES, limits=LIMITS)
