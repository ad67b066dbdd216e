"""The store-side WeChat pages (on ``SLUG.STORE_DOMAIN``): shopper login through WeChat OAuth."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, g, redirect, request, url_for
from flask_babel import gettext as _

from kaidian.customers import services as customers
from kaidian.customers.views import wechat_kept_apart_page
from kaidian.platform import sites
from kaidian.platform.errors import AppError, store_error_page
from kaidian.platform.redirects import safe_local_path

from . import authorizers, shoppers

bp = Blueprint("wechat_store", __name__, template_folder="templates")


@bp.before_request
def _open_stores_only():
    if not g.tenant.is_open():
        return store_error_page(403, closed=True)
    return None


def _message(message, status: int):
    """A login problem, told on the store's own (themed) page."""
    return store_error_page(status, str(message))


@bp.get("/wechat/login")
def login():
    scope = "userinfo" if request.args.get("scope") == "userinfo" else "base"
    next_path = (safe_local_path(request.args.get("next")) or "/")
    canonical = sites.store_url(g.tenant, "/")
    if _host_of(canonical) != request.host.lower():
        # On a custom domain: WeChat redirects only to the component's web-authorization domain, so the
        # login happens on the store's own sub-domain and is handed back here afterwards.
        query = urlencode({"next": next_path, "scope": scope, "back": request.host.lower()})
        return redirect(sites.store_url(g.tenant, f"/wechat/login?{query}"))
    callback = sites.store_url(g.tenant, url_for(".oauth_callback"))
    try:
        url = shoppers.login_url(g.tenant, callback, next_path, scope, back=_own_host(request.args.get("back", "")))
    except AppError as exc:
        return _message(exc.message, exc.status)
    return redirect(url)


def _host_of(url: str) -> str:
    return (urlsplit(url).netloc or "").lower()


def _own_host(host: str) -> str:
    """``host`` when it is another host of this store (its custom domain), else ""."""
    tenant = sites.tenant_for_host(host.split(":")[0]) if host else None
    return host if tenant is not None and tenant.id == g.tenant.id else ""


@bp.get("/wechat/oauth/callback")
def oauth_callback():
    code = request.args.get("code", "")
    if not code:
        return _message(_("You did not agree to log in with WeChat."), 400)
    try:
        result = shoppers.complete_login(g.tenant, code, request.args.get("state", ""))
    except AppError as exc:
        return _message(exc.message, exc.status)
    target = safe_local_path(result.next_path) or "/"
    if result.back:
        token = shoppers.handoff_token(g.tenant, result.customer, target)
        scheme = urlsplit(sites.store_url(g.tenant, "/")).scheme
        target = f"{scheme}://{result.back}{url_for('.handoff')}?{urlencode({'token': token})}"
    if result.linked == customers.KEPT_APART:  # say why the number's account did not join this one
        return wechat_kept_apart_page(result.customer, target)
    return redirect(target)


@bp.get("/wechat/handoff")
def handoff():
    """The login made on the store's own sub-domain, handed to this (custom) host."""
    try:
        next_path = shoppers.accept_handoff(g.tenant, request.args.get("token", ""))
    except AppError as exc:
        return _message(exc.message, exc.status)
    return redirect(safe_local_path(next_path) or "/")


def login_url_for(next_path: str) -> str | None:
    """WeChat's way to log a shopper in (registered with ``customers.services``): inside WeChat's browser,
    on a store with an official account for OAuth, this store's ``/wechat/login`` page, which starts the
    OAuth; elsewhere None (the shopper logs in with a mobile number)."""
    if "micromessenger" not in request.user_agent.string.lower():
        return None
    if authorizers.oauth_account(g.tenant.id) is None:
        return None
    return url_for("wechat_store.login", next=next_path)
