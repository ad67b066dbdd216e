"""The platform-admin console shell: ``/platform`` and its navigation.

Domain packages add their own console pages (tenants, qualifications, jobs …) and register a
navigation entry with ``add_nav``; the platform knows nothing of their content. Likewise the
platform's own pages (landing, login, the top bar) link to a domain's page only through an entry
point the domain registered (``add_entry_point("signup", "signup.signup")``), never by its endpoint.
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
ENTRY_POINTS: dict[str, str] = {}  # what platform pages link to, by role → the endpoint a domain registered


def add_nav(endpoint: str, label) -> None:
    if all(entry.endpoint != endpoint for entry in CONSOLE_NAV):
        CONSOLE_NAV.append(NavEntry(endpoint, label))


def add_merchant_nav(endpoint: str, label) -> None:
    if all(entry.endpoint != endpoint for entry in MERCHANT_NAV):
        MERCHANT_NAV.append(NavEntry(endpoint, label))


def add_entry_point(role: str, endpoint: str) -> None:
    """Domain packages say which of their endpoints serves ``role``: ``signup`` (open a store),
    ``store_admin`` (a staff member's store admin home)."""
    ENTRY_POINTS[role] = endpoint


def entry_url(role: str, **values) -> str | None:
    """The URL of ``role``'s registered page, or None when no package offers one (the link is left out)."""
    endpoint = ENTRY_POINTS.get(role)
    return url_for(endpoint, **values) if endpoint else None


@bp.get("/")
@require_platform_admin
def home():
    return redirect(url_for(CONSOLE_NAV[0].endpoint)) if CONSOLE_NAV else ("", 204)


@bp.app_context_processor
def inject_console_nav():
    return {"console_nav": CONSOLE_NAV, "entry_url": entry_url,
            "merchant_nav_extra": [(entry.endpoint, entry.label) for entry in MERCHANT_NAV]}

