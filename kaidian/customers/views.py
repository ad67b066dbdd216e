"""The customers' store pages and store API on ``SLUG.STORE_DOMAIN``: the member page (a page kind,
``MEMBER``, rendered through the store's theme) and who is logged in. A closed store never gets here
(``tenants.storefront``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kaidian.themes.page_kinds import PageKind, Subject

from . import services
from .schemas import CustomerOut
from .services import current_customer, require_customer

bp = Blueprint("customers_store", __name__)


def member_subject() -> Subject:
    """The logged-in shopper (the page is private: never shared-cached); a shopper not logged in goes
    to the login page first, and comes back here after."""
    customer = services.current_customer()
    if customer is None:
        return Subject(response=redirect(services.login_url(request.full_path.rstrip("?"))))
    return Subject(customer={"nickname": customer.nickname, "avatar": customer.avatar})


MEMBER = PageKind("member", _l("Member page"), path="/member", routes=("/member",), subject=member_subject,
                  meta=lambda subject: (_("Me"), "", ""), private=True, position=40)


@bp.get("/api/store/customer")
@require_customer
def me():
    """The logged-in shopper (401 when nobody is)."""
    response = jsonify(CustomerOut().dump(current_customer()))
    response.headers["Cache-Control"] = "private, no-store"
    return response
