"""Low-stock notifications: when a SKU's stock crosses below its product's threshold (or runs out)
a ``CatalogNotification`` is opened (shown on the catalog dashboard) and, once the transaction
commits, the owner gets one email listing every SKU that crossed in it (a bulk action or an import
sends one email, not hundreds). A notification closes when stock is back above the threshold,
the SKU is retired, or the merchant dismisses it."""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from kaidian.platform.errors import NotFound
from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.models import Membership, Role, Tenant, User, utcnow
from kaidian.platform.unit import atomic

from .models import CatalogNotification, Product, Sku

PENDING = "catalog_stock_alerts"


def stock_changed(sku: Sku, before: int, after: int) -> None:
    threshold = sku.product.low_stock_threshold
    if after > threshold:
        if before <= threshold:
            resolve_for(sku)
        return
    ran_out = after == 0 < before
    if before > threshold or ran_out:
        resolve_for(sku)
        note = CatalogNotification(tenant_id=sku.tenant_id, kind="out_of_stock" if after == 0 else "low_stock",
                                   product_id=sku.product_id, sku_id=sku.id, stock=after, threshold=threshold)
        db.session.add(note)
        db.session.info.setdefault(PENDING, []).append((note, sku.product.title, sku.label))


def resolve_for(sku: Sku) -> None:
    db.session.execute(
        update(CatalogNotification)
        .where(CatalogNotification.sku_id == sku.id, CatalogNotification.resolved_at.is_(None))
        .values(resolved_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def open_notifications(limit: int = 20) -> list[tuple[CatalogNotification, Product, Sku]]:
    rows = db.session.execute(
        select(CatalogNotification, Product, Sku)
        .join(Product, (Product.tenant_id == CatalogNotification.tenant_id)
              & (Product.id == CatalogNotification.product_id))
        .join(Sku, (Sku.tenant_id == CatalogNotification.tenant_id) & (Sku.id == CatalogNotification.sku_id))
        .where(CatalogNotification.resolved_at.is_(None), Product.deleted_at.is_(None))
        .order_by(CatalogNotification.created_at.desc()).limit(limit)
    )
    return [tuple(row) for row in rows]


def get(notification_id: uuid.UUID) -> CatalogNotification:
    row = db.session.execute(
        select(CatalogNotification).where(CatalogNotification.id == notification_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound()
    return row


@atomic
def dismiss(notification: CatalogNotification) -> None:
    notification.resolved_at = notification.resolved_at or utcnow()


# --- the email, sent once the stock change is committed -----------------------------------------


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    by_tenant: dict[uuid.UUID, list[tuple]] = {}
    for note, title, label in pending:
        if note in session:  # not undone by a rolled-back savepoint
            by_tenant.setdefault(note.tenant_id, []).append((note, title, label))
    for tenant_id, items in by_tenant.items():
        _email_owner(session, tenant_id, items)


def _email_owner(session: Session, tenant_id: uuid.UUID, items: list[tuple]) -> None:
    from kaidian.platform.tasks import send_email

    tenant = session.get(Tenant, tenant_id)
    owner = session.execute(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant_id, Membership.role == Role.OWNER)
    ).scalars().first()
    to = owner or (tenant.contact_email if tenant else "")
    if not to:
        return
    with force_locale(tenant.default_locale if tenant else "zh"):
        subject = _("Low stock in %(store)s: %(count)s SKU(s)", store=tenant.name, count=len(items))
        lines = [_("%(product)s (%(sku)s): %(stock)s left, threshold %(threshold)s",
                   product=title, sku=label, stock=note.stock, threshold=note.threshold)
                 for note, title, label in items[:50]]
        body = "\n".join([*lines, "", _("Restock: %(link)s", link=_admin_link())])
    enqueue(send_email, to, subject, body, queue="low", timeout=60)


def _admin_link() -> str:
    config = current_app.config
    return f"{config['PREFERRED_URL_SCHEME']}://{config['PLATFORM_HOST']}/admin/catalog/products?stock=low"


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def install_hooks() -> None:
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
