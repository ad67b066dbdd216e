"""The customers' store pages and store API on ``SLUG.STORE_DOMAIN``: the member page and who is logged in."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from kaidian.platform.errors import store_error_page

from .schemas import CustomerOut
from .services import current_customer, require_customer

bp = Blueprint("customers_store", __name__)


@bp.before_request
def _open_stores_only():
    if g.get("tenant") is not None and not g.tenant.is_open():
        return store_error_page(403, closed=True)
    return None


@bp.get("/member")
@require_customer
def member():
    from kaidian.themes.storefront import member_page  # the store's themed member page

    return member_page(current_customer())


@bp.get("/api/store/customer")
@require_customer
def me():
    """The logged-in shopper (401 when nobody is)."""
    response = jsonify(CustomerOut().dump(current_customer()))
    response.headers["Cache-Control"] = "private, no-store"
    return response
