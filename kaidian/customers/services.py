"""Who the shopper is on a store request: the customer session, signing in and out, the login page.

This is the public API other domains use for shoppers (orders, payments, wechat):

* ``current_customer()`` — the customer logged in on the current store request, or None;
* ``sign_in(customer)`` / ``sign_out()`` — start or end the shopper session (one key, ``SESSION_KEY``,
  apart from the merchant login; a session of another store is ignored);
* ``login_url(next_path)`` — where to send a shopper who must log in, back to ``next_path`` afterwards;
* ``require_customer`` — a view decorator: a page redirects to ``login_url``, ``/api/…`` answers 401 JSON;
* ``bind_mobile(customer, data)`` — the customer proves a number and keeps it (``identities``: one
  customer per person, and the rule when the number is someone else's);
* ``register_merge_step(step)`` — a domain holding rows by customer moves them when two customers of
  a store turn out to be one person (``step(gone_id, kept_id)``, inside the merge's transaction).
* ``link_wechat(current, appid, openid)`` — the mobile-only customer logged in in this browser went
  through a WeChat login: ``(customer to log in, "attached" | "merged" | "kept_apart")`` (``identities``).

Outside WeChat a shopper logs in with a mainland mobile number and a 6-digit code sent by SMS
(``send_login_code`` / ``sign_in_with_code``): only the code's HMAC is stored, it expires after
``CODE_SECONDS``, works once, dies after ``MAX_ATTEMPTS`` wrong tries, and a newer code replaces it;
codes per number are limited (``PER_NUMBER``, across stores) and per IP by the view.

Ways to log in are registered, not imported: a domain that can log a shopper in (WeChat OAuth today, the
mobile number with an SMS code next) calls ``register_login_method`` from its ``init_app`` with a
function that gives its login URL for a ``next`` path, or None when it does not apply to this request
(WeChat's OAuth only inside WeChat with a bound official account). The first that applies wins, in the
order registered; so this package never imports ``wechat``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, redirect, request, session
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from kaidian.platform.extensions import db, limiter
from kaidian.platform.models import utcnow
from kaidian.platform.redirects import safe_local_path
from kaidian.platform.unit import unit
from kaidian.platform.validation import load

from . import identities, schemas, sms
from .errors import CustomerRequired, InvalidCode, SmsNotSent, TooManyCodes
from .models import Customer, SmsCode

SESSION_KEY = "kd_customer"
register_merge_step = identities.register_merge_step
link_wechat = identities.link_wechat  # a mobile-only login in this browser meets a WeChat login
KEPT_APART = identities.KEPT_APART
_CACHE = "_kd_customer"  # on ``g``: the customer of this request, looked up once


# --- the shopper session -------------------------------------------------------------------------

def current_customer() -> Customer | None:
    """The customer logged in on the current store request (None off a store, or for another store's
    session, or when the customer no longer exists)."""
    if not has_request_context() or g.get("tenant") is None:
        return None
    if _CACHE in g:
        return g.get(_CACHE)
    customer = _load(g.tenant.id)
    setattr(g, _CACHE, customer)
    return customer


def _load(tenant_id: uuid.UUID) -> Customer | None:
    data = session.get(SESSION_KEY) or {}
    if not isinstance(data, dict) or data.get("tenant") != str(tenant_id):
        return None
    try:
        customer_id = uuid.UUID(str(data.get("id", "")))
    except ValueError:
        return None
    return db.session.execute(_BY_ID, {"customer_id": customer_id}).scalar_one_or_none()


_BY_ID = select(Customer).where(Customer.id == bindparam("customer_id"))  # built once: every shopper request


def sign_in(customer: Customer) -> None:
    """Log ``customer`` in on their store for this browser (the session only: the caller records
    ``last_login_at`` in its own transaction)."""
    session[SESSION_KEY] = {"tenant": str(customer.tenant_id), "id": str(customer.id)}
    setattr(g, _CACHE, customer)


def use_customer(customer: Customer) -> None:
    """Make ``customer`` the shopper of this request only (a request authenticated by a bearer token,
    ``customers/app_sessions.py``: no cookie is written)."""
    setattr(g, _CACHE, customer)


def sign_out() -> None:
    session.pop(SESSION_KEY, None)
    setattr(g, _CACHE, None)


# --- ways to log in --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginMethod:
    name: str
    url: Callable[[str], str | None]  # the login URL for a safe next path, or None: not for this request


_METHODS: dict[str, LoginMethod] = {}


def register_login_method(name: str, url: Callable[[str], str | None]) -> None:
    """Add (or replace, by name) a way for shoppers to log in; see the module docstring."""
    _METHODS[name] = LoginMethod(name, url)


def login_methods() -> list[LoginMethod]:
    return list(_METHODS.values())


def login_url(next_path: str = "/") -> str:
    """The store's shopper login page for this request, coming back to ``next_path`` (a local path)."""
    next_path = safe_local_path(next_path) or "/"
    for method in _METHODS.values():
        url = method.url(next_path)
        if url:
            return url
    return "/account/login?" + urlencode({"next": next_path})


def _here() -> str:
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def require_customer(view):
    """A store view for logged-in shoppers: a page redirects to the login page (and back here after);
    under ``/api/`` the answer is ``401 {"error": {"code": "customer_required", …}}``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_customer() is None:
            if request.path.startswith("/api/"):
                raise CustomerRequired()
            return redirect(login_url(_here()))
        return view(*args, **kwargs)

    return wrapper


# --- logging in with a mobile number and an SMS code ---------------------------------------------------

CODE_SECONDS = 300  # a code lives five minutes
MAX_ATTEMPTS = 5  # wrong tries before a code dies
PER_NUMBER = ("1/minute", "10/day")  # codes sent to one number, across all stores (no SMS bombing)


def _digest(tenant_id: uuid.UUID, mobile: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sms-login:{tenant_id}:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _per_number_limit(mobile: str) -> None:
    """Flask-Limiter's storage (Redis when configured) counts codes per number; TooManyCodes past a limit."""
    strategy = limiter.limiter
    items = [parse(limit) for limit in PER_NUMBER]
    if not all(strategy.test(item, "sms-number", mobile) for item in items):
        raise TooManyCodes()
    for item in items:
        strategy.hit(item, "sms-number", mobile)


def send_login_code(data) -> None:
    """Send a fresh 6-digit login code for this store to ``data["mobile"]`` (earlier codes stop working).
    Bad input: ValidationFailed and nothing written; over the per-number limits: TooManyCodes. The code
    is written in its own unit of work and the text goes out after the commit (SmsNotSent if it fails, and
    the code is then spent)."""
    mobile = load(schemas.SmsCodeRequest(), data)["mobile"]
    _per_number_limit(mobile)
    code = f"{secrets.randbelow(1_000_000):06d}"
    tenant = g.tenant
    with unit():
        now = utcnow()
        for earlier in _live_codes(mobile):
            earlier.used_at = now
        db.session.add(SmsCode(mobile=mobile, code_hash=_digest(tenant.id, mobile, code), created_at=now,
                               expires_at=now + timedelta(seconds=CODE_SECONDS)))
    minutes = CODE_SECONDS // 60
    text = _("[%(store)s] Your login code is %(code)s. It expires in %(minutes)s minutes; never share it.",
             store=tenant.name, code=code, minutes=minutes)
    try:
        sms.send(mobile, "login_code", {"code": code, "minutes": minutes}, text)
    except SmsNotSent:
        with unit():  # never received: it must not work either
            for unsent in _live_codes(mobile):
                unsent.used_at = utcnow()
        raise


def _live_codes(mobile: str) -> list[SmsCode]:
    return list(db.session.execute(
        select(SmsCode).where(SmsCode.mobile == mobile, SmsCode.used_at.is_(None))).scalars())


def sign_in_with_code(data) -> Customer:
    """Check the code sent to ``data["mobile"]`` for this store; log its customer in (created on first
    login). A wrong code counts a try (kept: the count is committed before InvalidCode is raised, so
    this is always its own unit of work); an expired, used or worn-out code is refused (InvalidCode).
    A shopper logged in with WeChat and no number yet gets the number instead (``identities``)."""
    values = load(schemas.SmsLogin(), data)
    current = current_customer()
    with unit():
        if not _take_code(values["mobile"], values["code"]):
            customer = None
        elif current is not None and current.openid and not current.mobile:
            customer = identities.link_mobile(current, values["mobile"])
        else:
            customer = _customer_for_mobile(values["mobile"])
        if customer is not None:
            customer.last_login_at = utcnow()
    if customer is None:
        raise InvalidCode()
    sign_in(customer)
    return customer


def bind_mobile(customer: Customer, data) -> Customer:
    """The logged-in ``customer`` proves ``data["mobile"]`` with its code and keeps it (one customer
    per person: ``identities.link_mobile``; 409 MobileTaken when another WeChat user holds it). A
    wrong code counts a try (committed) and raises InvalidCode."""
    values = load(schemas.SmsLogin(), data)
    with unit():
        proven = _take_code(values["mobile"], values["code"])
        if proven:
            identities.link_mobile(customer, values["mobile"])
    if not proven:
        raise InvalidCode()
    return customer


def _take_code(mobile: str, code: str) -> bool:
    """Use the live code of ``mobile``: True when it matches, False after counting a wrong try;
    InvalidCode when there is none, or it expired or wore out."""
    row = db.session.execute(
        select(SmsCode).where(SmsCode.mobile == mobile, SmsCode.used_at.is_(None))
        .order_by(SmsCode.created_at.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        raise InvalidCode()
    if not hmac.compare_digest(row.code_hash, _digest(g.tenant.id, mobile, code)):
        row.attempts += 1
        return False
    row.used_at = now
    return True


def _customer_for_mobile(mobile: str) -> Customer:
    found = db.session.execute(select(Customer).where(Customer.mobile == mobile)).scalar_one_or_none()
    if found is not None:
        return found
    customer = Customer(mobile=mobile)
    try:
        with unit(savepoint=True):
            db.session.add(customer)
            db.session.flush()
    except IntegrityError:  # the same number logging in twice at once: use the other row
        customer = db.session.execute(select(Customer).where(Customer.mobile == mobile)).scalar_one()
    return customer


__all__ = ["SESSION_KEY", "Customer", "LoginMethod", "bind_mobile", "current_customer", "login_methods",
           "login_url", "register_login_method", "register_merge_step", "require_customer", "send_login_code",
           "sign_in", "sign_in_with_code", "sign_out", "use_customer"]
