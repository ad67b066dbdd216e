"""The rules of a store's identity and duties: slug, categories, required licences."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .models import QualificationKind

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,28})[a-z0-9]$")
# the same shape without "--", as one pattern for the API's documentation (length 3 to 30 checked apart)
SLUG_PATTERN = r"[a-z0-9](?:-?[a-z0-9])+"
RESERVED_SLUGS = frozenset(
    {"www", "admin", "api", "platform", "static", "media", "app", "apps", "mail", "email", "smtp", "ftp",
     "help", "support", "docs", "blog", "status", "cdn", "assets", "img", "images", "login", "signup",
     "register", "account", "accounts", "billing", "pay", "payment", "payments", "wechat", "weixin", "wx",
     "sandbox", "test", "dev", "staging", "kaidian", "shop", "store", "stores", "root", "system", "official"}
)

BUSINESS_CATEGORIES = {
    "general": _l("General merchandise"),
    "apparel": _l("Clothing and shoes"),
    "beauty": _l("Beauty and personal care"),
    "food": _l("Food and drink"),
    "digital": _l("Digital and electronics"),
    "drug": _l("Medicines"),
    "medical_device": _l("Medical devices"),
}

QUALIFICATION_LABELS = {
    QualificationKind.BUSINESS_LICENCE: _l("Business licence"),
    QualificationKind.FOOD_LICENCE: _l("Food business licence"),
    QualificationKind.DRUG_LICENCE: _l("Drug trading licence"),
    QualificationKind.MEDICAL_DEVICE_LICENCE: _l("Medical device trading licence"),
}

# Which licences a business category needs on top of the business licence.
CATEGORY_LICENCES = {
    "food": QualificationKind.FOOD_LICENCE,
    "drug": QualificationKind.DRUG_LICENCE,
    "medical_device": QualificationKind.MEDICAL_DEVICE_LICENCE,
}


def slug_problem(slug: str):
    """Why ``slug`` cannot be a store address (uniqueness aside), or None."""
    if not 3 <= len(slug) <= 30:
        return _l("Use 3 to 30 characters.")
    if not SLUG_RE.match(slug) or "--" in slug:
        return _l("Use lowercase letters, digits and single hyphens; start and end with a letter or digit.")
    if slug in RESERVED_SLUGS:
        return _l("This address is reserved; please choose another.")
    return None


def required_licences(categories: list[str]) -> list[QualificationKind]:
    kinds = [QualificationKind.BUSINESS_LICENCE]
    kinds += [CATEGORY_LICENCES[c] for c in categories if c in CATEGORY_LICENCES]
    return kinds
