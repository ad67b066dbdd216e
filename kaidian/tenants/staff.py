"""Staff use cases: add a member (creating the account and emailing a set-password link),
change a role, remove. Only owners manage staff; the last owner stays."""

from __future__ import annotations

import secrets
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kaidian.billing import services as billing
from kaidian.platform import accounts, audit
from kaidian.platform.errors import Conflict, NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.models import Membership, Role, Tenant, User
from kaidian.platform.roles import GRANTABLE_TO_STAFF
from kaidian.platform.sites import platform_url
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from .schemas import StaffCreateSchema, StaffUpdateSchema


def _load(schema, data, partial=False) -> dict:
    values = load(schema, data, partial=partial)
    bad = set(values.get("permissions") or []) - GRANTABLE_TO_STAFF
    if bad:
        raise ValidationFailed(fields={"permissions": [_l("Unknown permission: %(p)s", p=", ".join(sorted(bad)))]})
    return values


def members(tenant: Tenant) -> list[Membership]:
    return list(db.session.execute(
        select(Membership).where(Membership.tenant_id == tenant.id).order_by(Membership.created_at)
    ).scalars())


def get(member_id: uuid.UUID) -> Membership:
    row = db.session.execute(select(Membership).where(Membership.id == member_id)).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


def count(tenant: Tenant) -> int:
    return db.session.execute(select(func.count()).select_from(Membership)
                              .where(Membership.tenant_id == tenant.id)).scalar()


@atomic
def add(tenant: Tenant, data: dict, actor: User) -> Membership:
    values = _load(StaffCreateSchema(), data)
    billing.check_limit(tenant, "staff", count(tenant))
    user = accounts.find_user(values["login"])
    created = user is None
    if created:
        user = accounts.create_user(values["login"], "Kd" + secrets.token_urlsafe(18) + "9")
        db.session.flush()
    elif db.session.execute(select(Membership).where(Membership.user_id == user.id)).first():
        raise ValidationFailed(fields={"login": [_l("This person is already a member of the store.")]},
                               code="already_member", status=409)
    row = Membership(tenant_id=tenant.id, user_id=user.id, role=Role(values["role"]),
                     permissions=",".join(values["permissions"]))
    db.session.add(row)
    audit.record("staff.add", f"{user.login_name} {values['role']}", tenant_id=tenant.id, actor=actor)
    _invite(user, tenant, created)
    return row


def _invite(user: User, tenant: Tenant, created: bool) -> None:
    if not user.email:
        return
    from kaidian.platform.tasks import send_email

    link = platform_url("platform.reset_password", token=accounts.reset_token(user)) if created \
        else platform_url("platform.login")
    enqueue(send_email, user.email, str(_l("You have been added to %(store)s", store=tenant.name)),
            str(_l("Open this link to start: %(link)s", link=link)), queue="high", timeout=60)


@atomic
def update(row: Membership, data: dict, actor: User, tenant: Tenant) -> Membership:
    values = _load(StaffUpdateSchema(), data, partial=True)
    if row.role == Role.OWNER:
        raise Conflict(_l("The owner's role cannot be changed here."))
    if "role" in values:
        row.role = Role(values["role"])
    if "permissions" in values:
        row.permissions = ",".join(values["permissions"])
    audit.record("staff.update", row.user.login_name, tenant_id=tenant.id, actor=actor)
    return row


@atomic
def remove(row: Membership, actor: User, tenant: Tenant) -> None:
    if row.role == Role.OWNER:
        raise Conflict(_l("The store owner cannot be removed."))
    audit.record("staff.remove", row.user.login_name, tenant_id=tenant.id, actor=actor)
    db.session.delete(row)
