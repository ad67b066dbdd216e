"""A customer's login inside the store's mini program: a bearer token, and its hand-off to the web-view.

A mini program keeps no cookies between ``wx.request`` calls, and every mini program of every store calls
one API host (WeChat lets a mini program authorized to a third-party platform reach only the platform's
registered server domains), so the store comes with the token, not with the host:

* ``issue(customer, appid)`` — after a login that proved who the shopper is (WeChat's ``jscode2session``,
  done by the ``wechat`` package) — makes a row (``AppSession``: the token's SHA-256, the mini program,
  the end) and returns the token once: ``kdmp.<store id hex>.<secret>``. The store id in the token lets
  the lookup stay inside that store (its index begins with ``tenant_id``).
* ``require_app_customer`` — a view decorator for the ``/api/mp/…`` endpoints: ``Authorization: Bearer
  <token>``; a missing, malformed, unknown, ended or expired token, or a store that is not open, is a
  401 ``app_session_required`` (the mini program logs in again with ``wx.login``, silently). It makes the
  token's store current and ``customers.services.current_customer()`` its customer; a read never writes.
* ``handoff_ticket(session)`` / ``accept_handoff(ticket)`` — the web-view shows the store's web pages on
  the store's own host, where the shopper needs the ordinary cookie session. The mini program asks for a
  ticket (signed, naming the store and the session, valid ``HANDOFF_SECONDS``, usable once: its nonce is
  claimed with an atomic ``add`` in the cache) and opens ``/account/app-handoff?ticket=…&next=…`` on the
  store's host, which signs the shopper in and redirects to ``next`` at once: the bearer token never
  appears in a URL, and the ticket in the address bar is dead by the time anyone could copy it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from kaidian.platform.cache import get_cache
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.secrets import token_digest
from kaidian.platform.tenancy import activate
from kaidian.platform.unit import atomic

from . import services
from .errors import AppSessionRequired, HandoffExpired
from .models import AppSession, Customer

SESSION_DAYS = 7  # a mini program logs in again silently (wx.login) after this
HANDOFF_SECONDS = 60
TOKEN_PREFIX = "kdmp"
_TOKEN_RE = re.compile(rf"{TOKEN_PREFIX}\.([0-9a-f]{{32}})\.([A-Za-z0-9_-]{{43}})")
_MAX_TICKET = 400


# --- the bearer token --------------------------------------------------------------------------------

@atomic
def issue(customer: Customer, appid: str) -> tuple[str, AppSession]:
    """A new mini-program login of ``customer`` (in the current store): (the token, its row)."""
    token = f"{TOKEN_PREFIX}.{customer.tenant_id.hex}.{secrets.token_urlsafe(32)}"
    now = utcnow()
    row = AppSession(customer_id=customer.id, appid=appid, token_digest=token_digest(token), created_at=now,
                     expires_at=now + timedelta(days=SESSION_DAYS))
    db.session.add(row)
    db.session.flush()
    return token, row


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate(token: str) -> AppSession | None:
    """The live session of ``token`` with its store made current, or None (nothing else changes)."""
    match = _TOKEN_RE.fullmatch(token or "")
    if match is None:
        return None
    tenant = db.session.get(Tenant, uuid.UUID(match.group(1)))
    if tenant is None or not tenant.is_open():
        return None
    activate(tenant.id)
    row = db.session.execute(select(AppSession).where(AppSession.token_digest == token_digest(token))
                             ).scalar_one_or_none()
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    customer = db.session.execute(select(Customer).where(Customer.id == row.customer_id)).scalar_one_or_none()
    if customer is None:
        return None
    g.tenant, g.app_session = tenant, row
    services.use_customer(customer)
    return row


def require_app_customer(view):
    """A ``/api/mp/…`` view for a customer logged in through the mini program (see the module docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if authenticate(_bearer()) is None:
            raise AppSessionRequired()
        return view(*args, **kwargs)

    return wrapper


def current_app_session() -> AppSession | None:
    return g.get("app_session")


@atomic
def end(row: AppSession) -> None:
    """Log the mini program out (the token stops working at once)."""
    row.ended_at = utcnow()


# --- handing the login to the web-view -----------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kaidian-app-session-handoff")


def handoff_ticket(row: AppSession) -> str:
    """A ticket that logs the session's customer in once on the store's web pages, for a short while."""
    return _serializer().dumps({"t": row.tenant_id.hex, "s": row.id.hex, "j": secrets.token_hex(12)})


def accept_handoff(ticket: str) -> Customer:
    """On a store request: sign in the customer ``ticket`` names (this store's, still logged in in the
    mini program), once. HandoffExpired otherwise, and nothing changes."""
    if not ticket or len(ticket) > _MAX_TICKET:
        raise HandoffExpired()
    try:
        data = _serializer().loads(ticket, max_age=HANDOFF_SECONDS)
    except BadSignature:
        raise HandoffExpired() from None
    if not isinstance(data, dict) or data.get("t") != g.tenant.id.hex:
        raise HandoffExpired()
    customer = _handoff_customer(str(data.get("s", "")))
    if customer is None or not get_cache().add(f"customers:app-handoff:{data.get('j')}", "1",
                                               ttl=HANDOFF_SECONDS * 2):
        raise HandoffExpired()
    services.sign_in(customer)
    return customer


def _handoff_customer(session_hex: str) -> Customer | None:
    try:
        session_id = uuid.UUID(hex=session_hex)
    except ValueError:
        return None
    row = db.session.execute(select(AppSession).where(AppSession.id == session_id)).scalar_one_or_none()
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    return db.session.execute(select(Customer).where(Customer.id == row.customer_id)).scalar_one_or_none()


__all__ = ["HANDOFF_SECONDS", "SESSION_DAYS", "accept_handoff", "authenticate", "current_app_session", "end",
           "handoff_ticket", "issue", "require_app_customer"]
