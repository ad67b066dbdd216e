"""The customers' store pages and store API on ``SLUG.STORE_DOMAIN``: the shopper login by mobile number
and SMS code, logging out, the member page, and who is logged in.

Pages (forms work without JavaScript): ``GET /account/login?next=``, ``POST /account/login/code`` (send a
code), ``POST /account/login`` (log in, then to ``next`` through ``platform/redirects.py``),
``POST /account/logout``. Store API (JSON, CSRF header like every cookie-authenticated write):
``POST /api/store/login/code``, ``POST /api/store/login``, ``GET /api/store/customer``.
Sending codes is limited per IP (``RATELIMIT_SMS``) and per number (the service); logging in per IP
(``RATELIMIT_AUTH``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from kaidian.platform.errors import AppError, store_error_page
from kaidian.platform.extensions import limiter
from kaidian.platform.redirects import safe_local_path

from . import services
from .schemas import CustomerOut
from .services import current_customer, require_customer

bp = Blueprint("customers_store", __name__, template_folder="templates")


def _sms_limit() -> str:
    return current_app.config["RATELIMIT_SMS"]


def _auth_limit() -> str:
    return current_app.config["RATELIMIT_AUTH"]


@bp.before_request
def _open_stores_only():
    if g.get("tenant") is not None and not g.tenant.is_open():
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "store_closed", "message": _("This store is closed."),
                                      "fields": {}}}), 403
        return store_error_page(403, closed=True)
    return None


def _next() -> str:
    return safe_local_path(request.values.get("next")) or "/member"


def _login_page(mobile: str = "", sent: bool = False, error: AppError | None = None, status: int = 200):
    from kaidian.themes.storefront import app_page  # the store's theme around the form

    body = Markup(render_template("customers/login.html", mobile=mobile, sent=sent, error=error,  # autoescaped
                                  next_path=_next()))
    return app_page("member", _("Log in"), body, status=status)


@bp.get("/account/login")
def login_page():
    if current_customer() is not None:
        return redirect(_next())
    return _login_page()


@bp.post("/account/login/code")
@limiter.limit(_sms_limit)
def send_code_form():
    mobile = request.form.get("mobile", "")
    try:
        services.send_login_code({"mobile": mobile})
    except AppError as exc:
        return _login_page(mobile[:11], error=exc, status=exc.status)
    return _login_page(mobile, sent=True)


@bp.post("/account/login")
@limiter.limit(_auth_limit)
def login_form():
    mobile = request.form.get("mobile", "")
    try:
        services.sign_in_with_code({"mobile": mobile, "code": request.form.get("code", "")})
    except AppError as exc:
        return _login_page(mobile[:11], sent=True, error=exc, status=exc.status)
    return redirect(_next())


@bp.post("/account/logout")
def logout():
    services.sign_out()
    return redirect("/")


@bp.get("/member")
@require_customer
def member():
    from kaidian.themes.storefront import member_page  # the store's themed member page

    return member_page(current_customer())


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/api/store/login/code")
@limiter.limit(_sms_limit)
def send_code():
    """Send a login code to ``{"mobile"}``: 204; 422 bad number, 429 too many codes, 503 not sent."""
    services.send_login_code(request.get_json(silent=True))
    return "", 204


@bp.post("/api/store/login")
@limiter.limit(_auth_limit)
def login():
    """Log in with ``{"mobile", "code"}``: the customer; 400 ``invalid_code``, 422 bad input."""
    customer = services.sign_in_with_code(request.get_json(silent=True))
    return _no_store(jsonify(CustomerOut().dump(customer)))


@bp.get("/api/store/customer")
@require_customer
def me():
    """The logged-in shopper (401 when nobody is)."""
    return _no_store(jsonify(CustomerOut().dump(current_customer())))
