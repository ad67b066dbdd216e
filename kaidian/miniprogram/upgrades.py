"""Bulk upgrades: the current template committed and submitted for every store with an authorized mini
program (or a filtered set), by RQ workers, with each store's state in an ``UpgradeItem``.

* Creating a batch leaves out stores that already have this template version submitted (under review,
  approved or released; ``models.NOT_HOLDING``): a store is never submitted twice for one template version
  while one is in flight or released — the partial unique index on submissions holds the same rule in the
  database, for every path. A store that rolled that version back is a candidate again.
* Each store is one job (:func:`run_item`): it takes the item's lease, runs the setup steps not done yet,
  records the code version, then commits and submits through the same steps as the merchant's buttons
  (``steps.py``: leases, adoption of an answer a killed worker never recorded, the retry policy). The item
  follows its version and submission (``states.ITEM_FOLLOWS``): queued → committed → submitted → approved /
  rejected → released, or failed with what to do.
* Every WeChat call spends the shared per-minute budget (``wxa.throttle``).
* A worker killed mid-store leaves a lease that expires; the sweep queues the store again and the steps
  pick up where the rows say they are. Failed and rejected stores can be retried, one or all.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from kaidian.billing import services as billing
from kaidian.platform import jobs
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.i18n import shown, stored
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.tenancy import all_tenants, tenant_context
from kaidian.platform.unit import atomic, unit
from kaidian.wechat.models import Authorizer, AuthorizerKind, AuthorizerStatus

from . import setup, states, steps
from .models import NOT_HOLDING, CodeVersion, Submission, UpgradeBatch, UpgradeItem, WxaTemplate

ITEM_STATES = ("queued", "committed", "submitted", "approved", "rejected", "released", "failed")
RETRYABLE = ("failed", "rejected")
MAX_SLUGS = 1000
NO_PROGRAM = _l("The store has no authorized mini program.")


# --- creating a batch -------------------------------------------------------------------------------------


def candidates(template_id: int, plan: str = "", slugs: list[str] | None = None) -> list[uuid.UUID]:
    """Stores with a bound mini program, a plan with the mini-program feature, not holding a submission of
    ``template_id`` (under review, approved or released: ``NOT_HOLDING``), narrowed by ``plan`` / ``slugs``.
    A store whose merchant rolled this version back is left out too: a bulk upgrade never re-pushes a version
    the merchant took offline (they may still submit it again by hand)."""
    with all_tenants():
        query = (select(Tenant).join(Authorizer, Authorizer.tenant_id == Tenant.id)
                 .where(Authorizer.kind == AuthorizerKind.MINI_PROGRAM,
                        Authorizer.status == AuthorizerStatus.AUTHORIZED))
        if plan:
            query = query.where(Tenant.plan == plan)
        if slugs:
            query = query.where(Tenant.slug.in_(slugs))
        tenants = list(db.session.execute(query.distinct()).scalars())
        done = set(db.session.execute(select(Submission.tenant_id).where(
            Submission.template_id == template_id,
            Submission.status.not_in(NOT_HOLDING) | (Submission.status == "rolled_back"))).scalars())
    return [t.id for t in tenants if t.id not in done and t.is_open() and billing.has_feature(t, "mini_program")]


def _slugs(raw: str) -> list[str]:
    slugs = [item.strip().lower() for item in raw.replace(",", " ").split() if item.strip()]
    if len(slugs) > MAX_SLUGS or any(len(slug) > 30 for slug in slugs):
        raise ValidationFailed(fields={"slugs": [f"at most {MAX_SLUGS} store slugs"]})
    return slugs


@atomic
def create_batch(template_id: int, actor_id: uuid.UUID | None = None, *, plan: str = "",
                 slugs: str = "") -> UpgradeBatch:
    from .tasks import upgrade_store

    template = db.session.get(WxaTemplate, template_id)
    if template is None:
        raise NotFound()
    if plan and plan not in ("basic", "pro", "flagship"):
        raise ValidationFailed(fields={"plan": ["unknown plan"]})
    tenant_ids = candidates(template_id, plan, _slugs(slugs))
    described = [f"plan={plan}" if plan else "", f"slugs={slugs}"[:150] if slugs else ""]
    batch = UpgradeBatch(template_id=template_id, user_version=template.user_version, created_by=actor_id,
                         filter=" ".join(part for part in described if part))
    db.session.add(batch)
    db.session.flush()
    db.session.add_all([UpgradeItem(batch_id=batch.id, tenant_id=tenant_id) for tenant_id in tenant_ids])
    for tenant_id in tenant_ids:
        jobs.enqueue(upgrade_store, batch.id, tenant_id, **steps.job_options())
    return batch


# --- one store ------------------------------------------------------------------------------------------------


def _take_item(batch_id, tenant_id) -> UpgradeItem | None:
    now = utcnow()
    with unit():
        taken = db.session.execute(
            update(UpgradeItem).where(UpgradeItem.batch_id == batch_id, UpgradeItem.tenant_id == tenant_id,
                                      UpgradeItem.state == "queued",
                                      or_(UpgradeItem.lease_until.is_(None), UpgradeItem.lease_until < now))
            .values(lease_until=now + timedelta(seconds=steps.lease_seconds()), updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return None
    return db.session.execute(select(UpgradeItem).where(UpgradeItem.batch_id == batch_id,
                                                        UpgradeItem.tenant_id == tenant_id)
                              .execution_options(populate_existing=True)).scalar_one()


def run_item(batch_id, tenant_id) -> str:
    """Upgrade one store of a batch (the job ``tasks.upgrade_store``)."""
    batch_id, tenant_id = uuid.UUID(str(batch_id)), uuid.UUID(str(tenant_id))
    item = _take_item(batch_id, tenant_id)
    if item is None:
        return "skipped"
    with tenant_context(tenant_id):
        outcome = _upgrade(item)
    with unit():
        item.lease_until = None
    return outcome


def _fail(item: UpgradeItem, message: str, errcode: int | None = None) -> str:
    with unit():
        states.move_item(item, "failed", errcode=errcode, error=message)
    return "failed"


def _upgrade(item: UpgradeItem) -> str:
    from . import services
    from .tasks import upgrade_store

    tenant = db.session.get(Tenant, item.tenant_id)
    authorizer = services.authorizer_of(tenant)
    if authorizer is None:
        return _fail(item, stored(NO_PROGRAM))
    with unit():
        program = services.ensure_program(tenant)
    for entry in setup.checklist(program):
        if entry["done"]:
            continue
        outcome, delay = steps.run_setup(program, entry["step"], requeue=False)
        if outcome == "waiting":
            with unit():
                jobs.enqueue(upgrade_store, item.batch_id, item.tenant_id, **steps.job_options(delay))
            return "waiting"
        if outcome != "done":
            step = (program.setup or {}).get(entry["step"], {})
            return _fail(item, f"{stored(setup.STEPS[entry['step']])}: {step.get('error', '')}", step.get("errcode"))
    if item.version_id is None:
        template = db.session.get(WxaTemplate, db.session.get(UpgradeBatch, item.batch_id).template_id)
        with unit():
            version = services.new_version(tenant, authorizer.appid, template, None, submit_after=True,
                                           batch_item_id=item.id, enqueue=False)
            item.version_id = version.id
    return steps.commit(item.version_id)


def stalled_items(limit: int = 1000) -> list[tuple]:
    """(batch_id, tenant_id) of queued stores no job is working on (a worker died; never started)."""
    now = utcnow()
    idle = now - timedelta(seconds=steps.lease_seconds())
    rows = db.session.execute(select(UpgradeItem.batch_id, UpgradeItem.tenant_id).where(
        UpgradeItem.state == "queued", UpgradeItem.version_id.is_(None),
        or_(UpgradeItem.lease_until < now, and_(UpgradeItem.lease_until.is_(None), UpgradeItem.updated_at < idle)))
        .limit(limit)).all()
    return [tuple(row) for row in rows]


# --- retries and progress ---------------------------------------------------------------------------------


@atomic
def retry(batch_id: uuid.UUID, item_id: uuid.UUID | None = None) -> int:
    """Queue again one failed or rejected store (``item_id``) or all of the batch's; how many."""
    from .tasks import upgrade_store

    query = select(UpgradeItem).where(UpgradeItem.batch_id == batch_id, UpgradeItem.state.in_(RETRYABLE))
    if item_id is not None:
        query = query.where(UpgradeItem.id == item_id)
    items = list(db.session.execute(query).scalars())
    for item in items:
        states.move_item(item, "queued")
        item.version_id, item.submission_id, item.lease_until = None, None, None
        jobs.enqueue(upgrade_store, item.batch_id, item.tenant_id, **steps.job_options())
    return len(items)


def batches(limit: int = 20) -> list[UpgradeBatch]:
    query = select(UpgradeBatch).order_by(UpgradeBatch.created_at.desc()).limit(limit)
    return list(db.session.execute(query).scalars())


def progress(batch_id: uuid.UUID, limit: int = 500) -> dict:
    """The batch's counts per state and its stores (failed and rejected first), for the progress view."""
    batch = db.session.get(UpgradeBatch, batch_id)
    if batch is None:
        raise NotFound()
    counts = dict(db.session.execute(select(UpgradeItem.state, func.count()).where(UpgradeItem.batch_id == batch_id)
                                     .group_by(UpgradeItem.state)).all())
    order = {state: index for index, state in enumerate(("failed", "rejected", "queued", "committed", "submitted",
                                                         "approved", "released"))}
    with all_tenants():
        rows = db.session.execute(
            select(UpgradeItem, Tenant.slug, Tenant.name).join(Tenant, Tenant.id == UpgradeItem.tenant_id)
            .where(UpgradeItem.batch_id == batch_id).limit(limit)).all()
    items = sorted(({"id": str(item.id), "store": slug, "name": name, "state": item.state, "errcode": item.errcode,
                     "error": shown(item.error), "updated_at": item.updated_at.isoformat()}
                    for item, slug, name in rows),
                   key=lambda row: (order.get(row["state"], 9), row["store"]))
    total = sum(counts.values())
    finished = sum(counts.get(state, 0) for state in ("approved", "rejected", "released", "failed"))
    return {"batch": str(batch.id), "template_id": batch.template_id, "user_version": batch.user_version,
            "total": total, "finished": finished, "counts": {state: counts.get(state, 0) for state in ITEM_STATES},
            "items": items}


def duplicates() -> int:
    """Submissions beyond the first of a (store, template version) that WeChat accepted: must be 0."""
    with all_tenants():
        rows = db.session.execute(select(func.count()).select_from(
            select(Submission.tenant_id, Submission.template_id).where(Submission.auditid.is_not(None),
                                                                       Submission.status != "withdrawn")
            .group_by(Submission.tenant_id, Submission.template_id).having(func.count() > 1).subquery())).scalar()
    return int(rows or 0)


__all__ = ["CodeVersion", "batches", "create_batch", "duplicates", "progress", "retry", "run_item"]
