"""Shopper login through the store's official account (component OAuth), and the store's customers.

``login_url`` sends the shopper to WeChat's OAuth page for the store's bound official account;
``snsapi_base`` logs in silently (openid only) and is what every page uses; ``snsapi_userinfo`` (the
profile prompt) only when the shopper asks to show their nickname and avatar — WeChat's rules on web
authorization (2022-07) forbid forcing it. A page opened in WeChat's "snapshot" mode (a share opened from
Moments) gets a virtual user (``is_snapshotuser: 1``): nobody is logged in and nothing is saved.
The ``state`` is short and alphanumeric, as WeChat wants (≤ 128 bytes): a nonce kept in the
shopper's session plus an HMAC binding it to the store, so a callback only completes the login it
started. The customer is found or created by (store, account appid, openid); the unionid is kept.
A mobile-only customer already logged in in this browser (SMS first) is joined with the WeChat identity
by the customers package's rule (``customers.link_wechat``: attached, merged, or kept apart and told).
The shopper session itself is the customers package's (``customers.services.sign_in``); this package
registers WeChat OAuth as a way to log in (``customers.services.register_login_method``).

WeChat redirects a shopper only to the component's web-authorization domain (10003 otherwise), so a
store on a custom domain logs shoppers in on its own ``SLUG.STORE_DOMAIN`` host and hands the login back
to the custom domain with a signed, single-use token valid ``HANDOFF_SECONDS`` (``handoff_token`` /
``accept_handoff``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import NamedTuple
from urllib.parse import urlencode

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kaidian.customers import services as customers
from kaidian.customers.models import Customer
from kaidian.platform.cache import get_cache
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.unit import atomic, unit

from . import authorizers, tokens
from .errors import AuthorizationExpired, NoOfficialAccount, SnapshotUser, WeChatError, WeChatRefused

PENDING_KEY = "kd_wechat_oauth"
SCOPES = {"base": "snsapi_base", "userinfo": "snsapi_userinfo"}


def _mac(tenant_id: uuid.UUID, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"wechat-oauth:{tenant_id}:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def login_url(tenant: Tenant, callback_url: str, next_path: str, scope: str = "base", back: str = "") -> str:
    """WeChat's OAuth page; ``back`` is the store's custom host to hand the login to afterwards."""
    account = authorizers.oauth_account(tenant.id)
    if account is None:
        raise NoOfficialAccount()
    nonce = secrets.token_hex(16)
    session[PENDING_KEY] = {"nonce": nonce, "appid": account.appid, "next": next_path,
                            "scope": SCOPES.get(scope, SCOPES["base"]), "back": back}
    query = {"appid": account.appid, "redirect_uri": callback_url, "response_type": "code",
             "scope": session[PENDING_KEY]["scope"], "state": nonce + _mac(tenant.id, nonce),
             "component_appid": current_app.config["WECHAT_COMPONENT_APPID"]}
    return f"{current_app.config['WECHAT_OPEN_BASE'].rstrip('/')}/connect/oauth2/authorize?{urlencode(query)}" \
           "#wechat_redirect"


def _take_pending(tenant: Tenant, state: str) -> dict:
    pending = session.pop(PENDING_KEY, None)
    if not pending or not state or len(state) != 64:
        raise AuthorizationExpired()
    nonce, mac = state[:32], state[32:]
    if not (hmac.compare_digest(nonce, pending["nonce"]) and hmac.compare_digest(mac, _mac(tenant.id, nonce))):
        raise AuthorizationExpired()
    return pending


class LoginResult(NamedTuple):
    customer: Customer
    next_path: str
    back: str  # the custom host to hand the login to ("" to stay here)
    linked: str  # "" or what joining a mobile-only login in this browser did (``identities``)


def complete_login(tenant: Tenant, code: str, state: str) -> LoginResult:
    """WeChat came back with ``code``: the logged-in customer, where to send them next, the custom host
    to hand the login to, and — when a mobile-only customer was logged in in this browser — how the
    two identities joined (one customer per person: ``customers.link_wechat``)."""
    pending = _take_pending(tenant, state)
    client = tokens.client()
    try:
        grant = client.sns_call("/sns/oauth2/component/access_token",
                                {"appid": pending["appid"], "code": code, "grant_type": "authorization_code"})
        if grant.get("is_snapshotuser") == 1:  # a virtual user of snapshot mode: never a customer
            raise SnapshotUser()
        profile = _profile(client, grant) if pending["scope"] == SCOPES["userinfo"] else {}
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    customer, outcome = _log_in_customer(pending["appid"], grant, profile, customers.current_customer())
    customers.sign_in(customer)
    return LoginResult(customer, pending["next"], pending.get("back", ""), outcome)


def _profile(client, grant: dict) -> dict:
    return client.plain_call("GET", "/sns/userinfo",
                             {"access_token": grant["access_token"], "openid": grant["openid"], "lang": "zh_CN"})


def _find(appid: str, openid: str) -> Customer | None:
    return db.session.execute(
        select(Customer).where(Customer.authorizer_appid == appid, Customer.openid == openid)
    ).scalar_one_or_none()


@atomic
def _log_in_customer(appid: str, grant: dict, profile: dict, current: Customer | None) -> tuple[Customer, str]:
    """The customer this OAuth login is: a mobile-only customer logged in in this browser is joined
    with the WeChat identity by the customers package's rule; anyone else is found or created."""
    if current is None or current.openid or not current.mobile:
        return remember_customer(appid, grant, profile), ""
    customer, outcome = customers.link_wechat(current, appid, grant["openid"])
    return _remember(customer, grant, profile), outcome


@atomic
def remember_customer(appid: str, grant: dict, profile: dict) -> Customer:
    """Find or create the current store's customer for ``grant["openid"]``; update what WeChat told us."""
    customer = _find(appid, grant["openid"])
    if customer is None:
        try:
            with unit(savepoint=True):
                customer = Customer(authorizer_appid=appid, openid=grant["openid"])
                db.session.add(customer)
                db.session.flush()
        except IntegrityError:  # the same shopper logging in twice at once: use the other row
            customer = _find(appid, grant["openid"])
    return _remember(customer, grant, profile)


def _remember(customer: Customer, grant: dict, profile: dict) -> Customer:
    customer.unionid = grant.get("unionid") or profile.get("unionid") or customer.unionid or ""
    if profile:
        customer.nickname = str(profile.get("nickname", ""))[:100]
        customer.avatar = str(profile.get("headimgurl", ""))[:500]
    customer.last_login_at = utcnow()
    return customer


# --- handing a login back to a store's custom domain -------------------------------------------------

HANDOFF_SECONDS = 120


def _handoff_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kaidian-wechat-login-handoff")


def handoff_token(tenant: Tenant, customer: Customer, next_path: str) -> str:
    """A token that logs ``customer`` in on another host of the same store, once, for a short while."""
    return _handoff_serializer().dumps({"t": str(tenant.id), "c": str(customer.id), "n": next_path,
                                        "j": secrets.token_hex(8)})


def accept_handoff(tenant: Tenant, token: str) -> str:
    """Log in the customer a handoff token names (on this store only); where to send the shopper next."""
    try:
        data = _handoff_serializer().loads(token or "", max_age=HANDOFF_SECONDS)
    except BadSignature:
        raise AuthorizationExpired() from None
    if not isinstance(data, dict) or data.get("t") != str(tenant.id) or not _first_use(data.get("j", "")):
        raise AuthorizationExpired()
    customer = _customer(data.get("c", ""))
    if customer is None:
        raise AuthorizationExpired()
    customers.sign_in(customer)
    return data.get("n") or "/"


def _customer(customer_id: str) -> Customer | None:
    try:
        key = uuid.UUID(str(customer_id))
    except ValueError:
        return None
    return db.session.execute(select(Customer).where(Customer.id == key)).scalar_one_or_none()


def _first_use(nonce: str) -> bool:
    key = f"wechat:handoff:{nonce}"
    with get_cache().lock(key + ":lock", timeout=5, wait=2):
        if not nonce or get_cache().get(key):
            return False
        get_cache().set(key, "1", ttl=HANDOFF_SECONDS * 2)
    return True
