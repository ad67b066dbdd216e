"""Finding authorizers and changing their status: the queries every other WeChat module shares."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants, tenant_context

from .models import Authorizer, AuthorizerKind, AuthorizerStatus

WEB_FUNC_ID = 4  # 网页服务权限: shopper OAuth needs it


def get(authorizer_id: uuid.UUID) -> Authorizer:
    """An authorizer of the current store (404 for any other id)."""
    row = db.session.execute(select(Authorizer).where(Authorizer.id == authorizer_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def list_for_current_store() -> list[Authorizer]:
    rows = db.session.execute(select(Authorizer).order_by(Authorizer.kind, Authorizer.authorized_at))
    return list(rows.scalars())


def find_by_appid(appid: str) -> Authorizer | None:
    """The authorizer holding ``appid`` in whichever store (pushes arrive before any tenant is known).
    Act on it afterwards under ``tenant_context(row.tenant_id)``."""
    with all_tenants():
        return db.session.execute(select(Authorizer).where(Authorizer.appid == appid)).scalar_one_or_none()


def oauth_account(tenant_id: uuid.UUID) -> Authorizer | None:
    """The store's official account shoppers log in through: bound, most recently authorized."""
    with tenant_context(tenant_id):
        rows = db.session.execute(
            select(Authorizer)
            .where(Authorizer.kind == AuthorizerKind.OFFICIAL_ACCOUNT, Authorizer.status == AuthorizerStatus.AUTHORIZED)
            .order_by(Authorizer.authorized_at.desc())
        ).scalars()
        return next((row for row in rows if WEB_FUNC_ID in row.func_id_list), None)


def serves_shoppers(row: Authorizer) -> bool:
    """A mini program the store's shoppers log in and pay through: a bound mini program (of the row's
    store). ``mini_program_login`` checks it on every login; the pay page's hand-off asks the same."""
    return row.kind == AuthorizerKind.MINI_PROGRAM and row.is_bound


def shop_mini_program(tenant_id: uuid.UUID) -> Authorizer | None:
    """The store's mini program that serves shoppers (``serves_shoppers``), most recently authorized."""
    with tenant_context(tenant_id):
        rows = db.session.execute(
            select(Authorizer)
            .where(Authorizer.kind == AuthorizerKind.MINI_PROGRAM, Authorizer.status == AuthorizerStatus.AUTHORIZED)
            .order_by(Authorizer.authorized_at.desc())
        ).scalars()
        return next((row for row in rows if serves_shoppers(row)), None)


def bound_authorizers() -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(tenant_id, id, appid) of every bound authorizer, for periodic jobs."""
    with all_tenants():
        rows = db.session.execute(
            select(Authorizer.tenant_id, Authorizer.id, Authorizer.appid)
            .where(Authorizer.status == AuthorizerStatus.AUTHORIZED)
        )
        return [tuple(row) for row in rows]


def set_status(authorizer: Authorizer, status: AuthorizerStatus) -> None:
    """Record a status change at once (it must survive whatever the caller does next)."""
    with tenant_context(authorizer.tenant_id):
        authorizer.status = status
        if status == AuthorizerStatus.UNAUTHORIZED:
            authorizer.refresh_token_encrypted = ""  # dead at WeChat; keep no secret we cannot use
        db.session.commit()
