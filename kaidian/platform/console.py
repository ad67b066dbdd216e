"""The platform-admin console shell: ``/platform`` and its navigation.

Domain packages add their own console pages (tenants, qualifications, jobs …) and register a
navigation entry with ``add_nav``; the platform knows nothing of their content.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, url_for

from .auth import require_platform_admin

bp = Blueprint("console", __name__, url_prefix="/platform", template_folder="templates")


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy string


CONSOLE_NAV: list[NavEntry] = []
MERCHANT_NAV: list[NavEntry] = []  # extra merchant-admin entries added by domain packages


def add_nav(endpoint: str, label) -> None:
    if all(entry.endpoint != endpoint for entry in CONSOLE_NAV):
        CONSOLE_NAV.append(NavEntry(endpoint, label))


def add_merchant_nav(endpoint: str, label) -> None:
    if all(entry.endpoint != endpoint for entry in MERCHANT_NAV):
        MERCHANT_NAV.append(NavEntry(endpoint, label))


@bp.get("/")
@require_platform_admin
def home():
    return redirect(url_for(CONSOLE_NAV[0].endpoint)) if CONSOLE_NAV else ("", 204)


@bp.app_context_processor
def inject_console_nav():
    return {"console_nav": CONSOLE_NAV,
            "merchant_nav_extra": [(entry.endpoint, entry.label) for entry in MERCHANT_NAV]}

