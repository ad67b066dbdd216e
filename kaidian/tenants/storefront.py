"""The store's public site on ``SLUG.STORE_DOMAIN``: a placeholder home until themes land, and the one
closed-store check every store request passes (``_close_suspended_store``)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from kaidian.platform.errors import store_error_page

bp = Blueprint("storefront", __name__, template_folder="templates")


def closed_page():
    """A suspended or closed store shows shoppers a closed page (in its theme), never its content."""
    return store_error_page(403, closed=True)


def home():
    return render_template("storefront/home.html", tenant=g.tenant)


@bp.before_app_request
def _close_suspended_store():
    """The closed-store check, in one place: every request to a store that is not open (suspended,
    closed, trial over) gets its closed page — every page kind, login, live stock, unknown paths —
    except static files and media, which the closed page itself shows."""
    if g.get("site") != "store" or g.get("tenant") is None or g.tenant.is_open():
        return None
    if (request.endpoint or "").rpartition(".")[2] == "static" or request.path.startswith("/media/"):
        return None
    return closed_page()
