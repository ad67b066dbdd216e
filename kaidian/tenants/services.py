"""Store use cases: signup, profile and logo, lifecycle (suspend, resume, close), audit.

HTML views and the JSON API both call these; nothing here reads ``request``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kaidian.billing import services as billing
from kaidian.platform import accounts, audit, events
from kaidian.platform.errors import AppError, Conflict, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.jobs import after_commit, enqueue
from kaidian.platform.models import AuditEvent, Membership, Role, Tenant, TenantStatus, User
from kaidian.platform.storage import get_storage, new_key, square_image
from kaidian.platform.tenancy import tenant_context
from kaidian.platform.unit import atomic
from kaidian.platform.validation import load

from .rules import BUSINESS_CATEGORIES, slug_problem
from .schemas import ProfileSchema, SignupSchema

LOGO_SIZE = 300


def slug_taken(slug: str) -> bool:
    return db.session.execute(select(func.count()).select_from(Tenant).where(Tenant.slug == slug)).scalar() > 0


@atomic
def signup(data: dict) -> tuple[User, Tenant]:
    """Create the owner's account and the store, in a trial of the chosen plan."""
    values = load(SignupSchema(), data)
    fields, taken = _signup_field_errors(values)
    if fields:
        raise ValidationFailed(fields=fields, status=409 if set(fields) == taken else None)
    user = accounts.create_user(values["login"], values["password"], display_name=values["store_name"])
    tenant = _new_tenant(values)
    db.session.flush()
    with tenant_context(tenant.id):
        db.session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.OWNER))
        billing.start_trial(tenant, values["plan"], actor=user)
        audit.record("signup", f"plan={tenant.plan}", tenant_id=tenant.id, actor=user)
        events.publish("tenant.created", tenant_id=tenant.id)
        db.session.flush()  # written while the new store is current (its rows pass RLS)
    _send_welcome(user, tenant)
    return user, tenant


def _signup_field_errors(values: dict) -> tuple[dict, set]:
    """Field errors, and which of them only say "already taken" (a 409 when those are all)."""
    fields, taken = {}, set()
    problem = slug_problem(values["slug"])
    if problem is None and slug_taken(values["slug"]):
        problem = _l("This address is taken; please choose another.")
        taken.add("slug")
    if problem:
        fields["slug"] = [problem]
    try:
        accounts.normalize_login(values["login"])
        if accounts.find_user(values["login"]) is not None:
            fields["login"] = [_l("An account with this email or mobile already exists.")]
            taken.add("login")
    except ValidationFailed as exc:
        fields.update(exc.fields)
    weak = accounts.password_problem(values["password"])
    if weak:
        fields["password"] = [weak]
    if not billing.is_plan(values["plan"]):
        codes = ", ".join(plan.code for plan in billing.all_plans())
        fields["plan"] = [_l("Choose one of the plans: %(plans)s.", plans=codes)]
    return fields, taken


def _new_tenant(values: dict) -> Tenant:
    tenant = Tenant(
        slug=values["slug"],
        name=values["store_name"],
        plan=values["plan"],
        status=TenantStatus.TRIAL,
        categories=",".join(values.get("categories") or []),
        contact_email=values["login"] if "@" in values["login"] else "",
        contact_phone=values["login"] if "@" not in values["login"] else "",
    )
    db.session.add(tenant)
    return tenant


def _send_welcome(user: User, tenant: Tenant) -> None:
    if not user.email:
        return
    from kaidian.platform.tasks import send_email

    enqueue(send_email, user.email, str(_l("Welcome to Kaidian")),
            str(_l("Your store %(name)s is ready. Your trial ends on %(date)s.", name=tenant.name,
                   date=billing.dates_of(tenant)["trial_ends_at"].date().isoformat())), queue="low", timeout=60)


# --- profile --------------------------------------------------------------------------------


@atomic
def update_profile(tenant: Tenant, data: dict, actor: User) -> Tenant:
    values = load(ProfileSchema(), data, partial=True)
    for key, value in values.items():
        setattr(tenant, key, ",".join(value) if key == "categories" else value)
    audit.record("profile.update", ",".join(sorted(values)), tenant_id=tenant.id, actor=actor)
    return tenant


@atomic
def set_logo(tenant: Tenant, data: bytes, actor: User) -> str:
    png = square_image(data, LOGO_SIZE)
    storage = get_storage()
    key = storage.save(new_key(tenant.id, "logo", "png"), png, "image/png")
    old, tenant.logo_key = tenant.logo_key, key
    audit.record("profile.logo", tenant_id=tenant.id, actor=actor)
    if old:
        after_commit(lambda app: storage.delete(old))
    return key


def category_choices() -> dict:
    return BUSINESS_CATEGORIES


# --- lifecycle (platform admins) ------------------------------------------------------------


@atomic
def suspend(tenant: Tenant, reason: str, actor: User) -> None:
    if tenant.status == TenantStatus.CLOSED:
        raise Conflict(_l("A closed store cannot be suspended."))
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ValidationFailed(fields={"reason": [_l("Say why the store is suspended.")]})
    tenant.status, tenant.suspended_reason = TenantStatus.SUSPENDED, reason
    audit.record("tenant.suspend", reason, tenant_id=tenant.id, actor=actor)


@atomic
def resume(tenant: Tenant, actor: User) -> None:
    if tenant.status != TenantStatus.SUSPENDED:
        raise Conflict(_l("Only a suspended store can be resumed."))
    tenant.status = billing.status_after_suspension(tenant)
    tenant.suspended_reason = ""
    audit.record("tenant.resume", tenant_id=tenant.id, actor=actor)


def recent_events(tenant: Tenant, limit: int = 20) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.tenant_id == tenant.id)
        .order_by(AuditEvent.created_at.desc()).limit(limit)
    ).scalars())


__all__ = ["AppError", "signup", "update_profile", "set_logo", "suspend", "resume"]
