"""The store's public pages on ``SLUG.STORE_DOMAIN`` (a placeholder home until themes land)."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from kaidian.platform.errors import store_error_page

bp = Blueprint("storefront", __name__, template_folder="templates")


def closed_page():
    """A suspended or closed store shows shoppers a closed page (in its theme), never its content."""
    return store_error_page(403, closed=True)


def home():
    if not g.tenant.is_open():
        return closed_page()
    return render_template("storefront/home.html", tenant=g.tenant)


@bp.before_app_request
def _close_suspended_store():
    from flask import request

    if g.get("site") == "store" and g.get("tenant") is not None and not g.tenant.is_open():
        if request.blueprint in ("storefront", "platform", None) and not request.path.startswith("/media/"):
            return closed_page()
    return None
