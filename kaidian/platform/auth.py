"""Who is asking: session users (Flask-Login), Bearer API tokens, store memberships and roles.

For the merchant admin the store is the one chosen in the session (``session["tenant_id"]``);
for the JSON API it is the store the token was issued for. Either way the membership is loaded
once per request into ``g.membership`` and the store becomes the current tenant.
"""

from __future__ import annotations

import uuid
from functools import wraps

from flask import abort, g, request, session
from flask_login import current_user, login_user, user_loaded_from_cookie
from sqlalchemy import select
from werkzeug.local import LocalProxy

from . import api_tokens, sessions
from .errors import Forbidden, StaffSuspended, StoreReadOnly
from .extensions import csrf, db, login_manager
from .models import ApiToken, Membership, Tenant, User, utcnow
from .roles import can
from .secrets import TOKEN_PREFIX, token_digest
from .tenancy import activate, all_tenants
from .unit import unit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

current_membership = LocalProxy(lambda: g.get("membership"))


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """Only a live server-side login counts (``sessions``): not a replayed or outlived cookie."""
    return sessions.user_for(login_id)


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import redirect, url_for

    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("platform.login", next=request.full_path.rstrip("?")))


def memberships_of(user: User) -> list[Membership]:
    with all_tenants():
        rows = db.session.execute(
            select(Membership).where(Membership.user_id == user.id).order_by(Membership.created_at)
        )
        return list(rows.scalars())


def membership_in(user: User, tenant_id: uuid.UUID) -> Membership | None:
    return db.session.execute(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant_id)
    ).scalar_one_or_none()


def choose_store(tenant_id: uuid.UUID) -> None:
    session["tenant_id"] = str(tenant_id)


def _restored_from_remember_cookie(sender, user: User) -> None:
    """A browser coming back with only its remember-me cookie works in its first store again."""
    stores = memberships_of(user)
    if stores and not session.get("tenant_id"):
        choose_store(stores[0].tenant_id)


def sign_in(user: User, remember: bool = False) -> None:
    session.clear()
    with unit():
        sessions.start(user, remember)
    login_user(user, remember=remember)
    stores = memberships_of(user)
    if stores:
        choose_store(stores[0].tenant_id)


_OTHER_BEARER_PREFIXES: set[str] = set()


def register_other_bearer_prefix(prefix: str) -> None:
    """Bearer tokens starting with ``prefix`` belong to a domain (a shopper's mini-program login,
    ``customers.app_sessions``), which checks them itself: the staff login leaves them alone."""
    _OTHER_BEARER_PREFIXES.add(prefix)


def _bearer_token() -> str | None:
    """The staff API token of the request, "" for a bearer token that is nobody's (a 401), None for none."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header[7:].strip()
        if token.startswith(tuple(_OTHER_BEARER_PREFIXES)):
            return None
        return token if token.startswith(TOKEN_PREFIX) else ""
    return None


def _load_token(token: str) -> ApiToken | None:
    with all_tenants():
        row = db.session.execute(
            select(ApiToken).where(ApiToken.digest == token_digest(token), ApiToken.revoked.is_(False))
        ).scalar_one_or_none()
    return row


def load_request_identity() -> None:
    """Before each platform request: find the user and the store they act for."""
    g.membership, g.api_user, g.suspended_membership = None, None, None
    if g.get("site") != "platform":
        return
    token = _bearer_token()
    if token is not None:
        _authenticate_token(token)
    elif current_user.is_authenticated and session.get("tenant_id"):
        _load_session_store(current_user)


def _authenticate_token(token: str) -> None:
    row = _load_token(token) if token else None
    if row is None:
        abort(401)
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        abort(401)
    g.api_user = user
    _enter_store(user, row.tenant_id)
    if g.get("suspended_membership") is not None:
        raise StaffSuspended()
    if g.membership is None:
        abort(401)
    api_tokens.check(g.tenant)  # the store may use tokens (its plan: a guard billing registers)
    row.last_used_at = utcnow()


def _load_session_store(user: User) -> None:
    try:
        tenant_id = uuid.UUID(session["tenant_id"])
    except ValueError:
        session.pop("tenant_id", None)
        return
    _enter_store(user, tenant_id)


def _enter_store(user: User, tenant_id: uuid.UUID) -> None:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return
    activate(tenant.id)
    membership = membership_in(user, tenant.id)
    if membership is not None and membership.suspended_at is not None:
        g.suspended_membership = membership  # kept, not deleted: no access until the plan allows it again
    elif membership is not None:
        g.tenant, g.membership = tenant, membership


def acting_user() -> User | None:
    if g.get("api_user") is not None:
        return g.api_user
    return current_user if current_user.is_authenticated else None


def require_staff(permission: str = "store.view", *, billing: bool = False):
    """A view decorator: the caller is staff of the current store (owner, manager or staff) holding ``permission``;
    writes to a store that is not open are refused (the admin is read-only) — except, with ``billing``,
    in a store whose paid time expired (``Tenant.may_pay``: paying reopens it)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_staff(permission, billing=billing)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def check_staff(permission: str, *, billing: bool = False) -> Membership:
    if acting_user() is None:
        abort(401 if request.path.startswith("/api/") else login_manager.unauthorized())
    membership = g.get("membership")
    if membership is None:
        raise StaffSuspended() if g.get("suspended_membership") is not None else Forbidden()
    if g.get("api_user") is None and request.method not in SAFE_METHODS and request.path.startswith("/api/"):
        csrf.protect()
    writable = g.tenant.may_pay() if billing else g.tenant.is_open()
    if request.method not in SAFE_METHODS and not writable:
        raise StoreReadOnly()
    if not can(membership, permission):
        raise Forbidden()
    return membership


def require_platform_admin(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        user = acting_user()
        if user is None:
            abort(401 if request.path.startswith("/api/") else login_manager.unauthorized())
        if not user.is_platform_admin:
            raise Forbidden()
        if request.method not in SAFE_METHODS and g.get("api_user") is None and request.path.startswith("/api/"):
            csrf.protect()
        with all_tenants():
            return view(*args, **kwargs)

    return wrapped


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "platform.login"
    user_loaded_from_cookie.connect(_restored_from_remember_cookie, app)
    app.before_request(load_request_identity)


def resolve_ids_first(blueprint, loaders: dict) -> None:
    """Before a blueprint's views parse their bodies, check the caller is a store member and that
    every id in the URL names a row of the current store: another store's id is a 404 before any
    validation can answer (so nothing about it leaks, whatever the body holds)."""

    @blueprint.before_request
    def _resolve_ids():
        ids = {name: value for name, value in (request.view_args or {}).items() if name in loaders}
        if ids:
            check_staff("store.view")
            for name, value in ids.items():
                loaders[name](value)
