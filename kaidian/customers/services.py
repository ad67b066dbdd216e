"""Who the shopper is on a store request: the customer session, signing in and out, the login page.

This is the public API other domains use for shoppers (orders, payments, wechat):

* ``current_customer()`` — the customer logged in on the current store request, or None;
* ``sign_in(customer)`` / ``sign_out()`` — start or end the shopper session (one key, ``SESSION_KEY``,
  apart from the merchant login; a session of another store is ignored);
* ``login_url(next_path)`` — where to send a shopper who must log in, back to ``next_path`` afterwards;
* ``require_customer`` — a view decorator: a page redirects to ``login_url``, ``/api/…`` answers 401 JSON.

Ways to log in are registered, not imported: a domain that can log a shopper in (WeChat OAuth today, the
mobile number with an SMS code next) calls ``register_login_method`` from its ``init_app`` with a
function that gives its login URL for a ``next`` path, or None when it does not apply to this request
(WeChat's OAuth only inside WeChat with a bound official account). The first that applies wins, in the
order registered; so this package never imports ``wechat``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from flask import g, has_request_context, redirect, request, session
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.redirects import safe_local_path

from .errors import CustomerRequired
from .models import Customer

SESSION_KEY = "kd_customer"
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
    return db.session.execute(select(Customer).where(Customer.id == customer_id)).scalar_one_or_none()


def sign_in(customer: Customer) -> None:
    """Log ``customer`` in on their store for this browser (the session only: the caller records
    ``last_login_at`` in its own transaction)."""
    session[SESSION_KEY] = {"tenant": str(customer.tenant_id), "id": str(customer.id)}
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
    return "/login?" + urlencode({"next": next_path})


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


__all__ = ["SESSION_KEY", "Customer", "LoginMethod", "current_customer", "login_methods", "login_url",
           "register_login_method", "require_customer", "sign_in", "sign_out"]
