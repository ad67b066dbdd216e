"""The orders domain's jobs: each takes ids (the tenant's first), enters the store itself and is
idempotent.

* ``sweep_unpaid`` (every minute): closes orders whose payment window elapsed — stock goes back and
  the payment is closed with the provider. (The project's job plumbing has no delayed enqueue, so
  a periodic sweep stands in for a job per order; an order is never closed before its deadline.)
* ``sweep_shipped`` (hourly): completes orders shipped more than the store's N days ago.
* ``sweep_unsent_photos`` (hourly): deletes after-sales photos uploaded but never sent in a request,
  once their token has expired (``aftersale_photos``); another run finds nothing more to do.
* ``close_payment`` / ``refund_payment``: the provider calls, after the order's transaction commits.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from rq import Retry
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.jobs import periodic
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants, tenant_context

from . import aftersale_photos, paying, services, settings

log = logging.getLogger(__name__)
PROVIDER_RETRY = Retry(max=5, interval=[10, 30, 60, 300, 900])


@periodic(interval=60, queue="high", timeout=300)
def sweep_unpaid() -> int:
    with all_tenants():
        due = services.expired_orders()
        db.session.rollback()
    closed = 0
    for tenant_id, order_id in due:
        closed += bool(close_unpaid(tenant_id, order_id))
    return closed


def close_unpaid(tenant_id: uuid.UUID, order_id: uuid.UUID) -> bool:
    with tenant_context(tenant_id):
        try:
            return services.close_unpaid(order_id)
        except Exception:
            db.session.rollback()
            log.exception("closing unpaid order %s failed", order_id)
            return False


@periodic(interval=3600, queue="low", timeout=600)
def sweep_shipped() -> int:
    from .models import OrderSettings

    with all_tenants():  # the shortest window of any store bounds the candidates; each store's own decides
        shortest = min([settings.AUTO_COMPLETE_DAYS, *db.session.execute(
            select(OrderSettings.auto_complete_days)).scalars()])
        candidates = services.shipped_before(utcnow() - timedelta(days=shortest))
        db.session.rollback()
    completed = 0
    for tenant_id, order_id in candidates:
        with tenant_context(tenant_id):
            completed += bool(services.complete_if_due(order_id))
    return completed


@periodic(interval=3600, queue="low", timeout=600)
def sweep_unsent_photos() -> int:
    cutoff = aftersale_photos.sweep_cutoff()
    with all_tenants():
        due = aftersale_photos.unsent_before(cutoff)
        db.session.rollback()
    deleted = 0
    for tenant_id, upload_id in due:
        with tenant_context(tenant_id):
            try:
                deleted += bool(aftersale_photos.delete_unsent(upload_id, cutoff))
            except Exception:
                db.session.rollback()
                log.exception("deleting unsent after-sales photo %s failed", upload_id)
    return deleted


def close_payment(tenant_id: uuid.UUID, order_id: uuid.UUID) -> None:
    with tenant_context(tenant_id):
        paying.close(order_id)


def refund_payment(tenant_id: uuid.UUID, order_id: uuid.UUID, amount_fen: int, out_refund_no: str) -> None:
    """Give back a payment the order could not take (it had ended, or the amount was wrong)."""
    with tenant_context(tenant_id):
        order = services.get(order_id)
        paying.refund(order, amount_fen=amount_fen, reason="order closed before payment",
                      out_refund_no=out_refund_no)


def refund_after_sale(tenant_id: uuid.UUID, after_sale_id: uuid.UUID) -> None:
    """Ask payments to refund an approved after-sales request (its ``refund_number`` makes a retry
    the same refund), then note the provider's refund id."""
    from . import aftersales

    with tenant_context(tenant_id):
        row = aftersales.get(after_sale_id)
        if row.status == "refunded":
            return
        refund_id = paying.refund(services.get(row.order_id), amount_fen=row.amount_fen, reason=row.reason[:80],
                                  out_refund_no=row.refund_number)
        db.session.rollback()
        if refund_id:
            aftersales.refund_started(after_sale_id, refund_id)


def run_export(tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
    """Write an order export (``exports.run``: idempotent, a finished export is left alone)."""
    from . import exports

    with tenant_context(tenant_id):
        exports.run(export_id)
