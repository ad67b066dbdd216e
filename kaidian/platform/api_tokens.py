"""A staff member's API tokens for the current store: issue, list, revoke — the one service both the
admin page (``/admin/tokens``) and the API (``/api/v1/tokens``) call. Which stores may mint a token is
``accounts.issue_api_token``'s rule; only the SHA-256 digest of a token is stored.

Whether a store may use API tokens at all is not the platform's to decide (billing's plans say so, and
the platform imports no domain): a domain registers a guard with ``register_guard(guard)`` —
``guard(tenant)`` raises an ``AppError`` (a 4xx saying why) when the store may not — and the same
guards run when a token is issued (``issue``) and each time one is used (``auth``, through ``check``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from . import accounts
from .errors import NotFound
from .extensions import db
from .models import ApiToken, Tenant, User
from .unit import atomic

Guard = Callable[[Tenant], None]
GUARDS: list[Guard] = []


def register_guard(guard: Guard) -> None:
    """``guard(tenant)`` raises an ``AppError`` when the store may not issue or use API tokens."""
    if guard not in GUARDS:
        GUARDS.append(guard)


def check(tenant: Tenant) -> None:
    """Every registered guard's verdict on ``tenant`` (the first refusal is raised)."""
    for guard in GUARDS:
        guard(tenant)


@atomic
def issue(user: User, tenant_id: uuid.UUID, name: str) -> tuple[ApiToken, str]:
    """A new token (row, secret); the secret is shown once and never stored."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is not None:
        check(tenant)
    return accounts.issue_api_token(user, tenant_id, name)


def active(user: User) -> list[ApiToken]:
    """``user``'s unrevoked tokens for the current store, oldest first."""
    return list(db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).order_by(ApiToken.created_at)
    ).scalars())


@atomic
def revoke(user: User, token_id: uuid.UUID) -> None:
    """Revoke one of ``user``'s tokens; another person's (or another store's) is a 404."""
    row = db.session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound()
    row.revoked = True
