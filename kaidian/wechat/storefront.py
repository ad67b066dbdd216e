"""The store-side WeChat pages (on ``SLUG.STORE_DOMAIN``): shopper login and a member page."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.errors import AppError

from . import shoppers

bp = Blueprint("wechat_store", __name__, template_folder="templates")


@bp.before_request
def _open_stores_only():
    if not g.tenant.is_open():
        return render_template("storefront/closed.html", tenant=g.tenant), 403
    return None


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _message(message, status: int):
    return render_template("wechat/store_message.html", tenant=g.tenant, message=message), status


@bp.get("/wechat/login")
def login():
    scope = "userinfo" if request.args.get("scope") == "userinfo" else "base"
    callback = url_for(".oauth_callback", _external=True)
    try:
        url = shoppers.login_url(g.tenant, callback, safe_next(request.args.get("next")), scope)
    except AppError as exc:
        return _message(exc.message, exc.status)
    return redirect(url)


@bp.get("/wechat/oauth/callback")
def oauth_callback():
    code = request.args.get("code", "")
    if not code:
        return _message(_("You did not agree to log in with WeChat."), 400)
    try:
        _customer, next_path = shoppers.complete_login(g.tenant, code, request.args.get("state", ""))
    except AppError as exc:
        return _message(exc.message, exc.status)
    return redirect(safe_next(next_path))


@bp.get("/member")
def member():
    customer = shoppers.current_customer(g.tenant)
    if customer is None:  # log in silently; the profile is asked for only when the shopper chooses it
        return redirect(url_for(".login", next=request.path))
    from kaidian.themes.storefront import member_page  # the store's themed member page

    return member_page(customer)
