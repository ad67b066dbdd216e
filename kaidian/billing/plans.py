"""The plans, defined once: list prices per year and month in fen, limits, and feature flags.

``None`` as a limit means unlimited. Every other package asks ``billing.services`` — never this
table directly — so a plan change is one edit here. The prices here seed the ``plan_prices`` table;
from then on a platform admin changes prices in the console (``billing.prices``), effective for
new subscriptions and renewals from a date, never for what was already paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Plan:
    code: str
    name: object
    price_per_year_fen: int
    price_per_month_fen: int
    limits: dict[str, int | None] = field(default_factory=dict)
    features: frozenset[str] = frozenset()
    blurb: object = ""


LIMITS = ("products", "staff", "pages")

FEATURES = {
    "custom_domain": _l("Custom domain"),
    "mini_program": _l("Mini program"),
    "group_buy": _l("Group buying"),
    "flash_sale": _l("Flash sales"),
    "member_levels": _l("Member levels"),
    "advanced_analytics": _l("Advanced analytics"),
    "api_access": _l("API access"),
}

PLANS: dict[str, Plan] = {
    "basic": Plan(
        "basic", _l("Basic"), 698_00, 69_00,
        {"products": 100, "staff": 2, "pages": 5},
        frozenset({"api_access"}),
        _l("For a new store: storefront, products, WeChat Pay."),
    ),
    "pro": Plan(
        "pro", _l("Pro"), 2_980_00, 298_00,
        {"products": 2000, "staff": 10, "pages": 30},
        frozenset({"api_access", "mini_program", "group_buy", "flash_sale", "member_levels"}),
        _l("For a growing store: mini program and marketing tools."),
    ),
    "flagship": Plan(
        "flagship", _l("Flagship"), 9_800_00, 980_00,
        {"products": None, "staff": 50, "pages": None},
        frozenset(FEATURES),
        _l("For brands: unlimited products, custom domain, advanced analytics."),
    ),
}

DEFAULT_PLAN = "basic"
RANK = {"basic": 1, "pro": 2, "flagship": 3}  # upgrade: a higher rank, at once; downgrade: at renewal

# Features whose capability is not built yet, and the package that will build it. Until that package
# exists the plan table's check is this promise; once it does, ``tests/billing/test_features.py``
# fails until its entry point calls ``billing.services.requires_feature`` / ``require_feature``.
UPCOMING = {
    "group_buy": "kaidian.marketing",
    "flash_sale": "kaidian.marketing",
    "member_levels": "kaidian.marketing",
    "advanced_analytics": "kaidian.analytics",
}
