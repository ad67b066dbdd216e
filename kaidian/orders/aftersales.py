"""After-sales: a shopper asks for a refund (refund only, or return and refund) on some lines and
quantities of a paid order, with up to six photos (``aftersale_photos``); the merchant approves
(with a return address for a return) or rejects with a reason; for a return the shopper fills in
the return's tracking number and the merchant confirms the goods came back; the refund goes
through payments (a job after the commit), and on ``refund.succeeded`` the lines are marked
refunded, stock is restocked when goods came back (or never left), and an order refunded in full
before completion closes.

Every step goes through ``states.transition_after_sale`` with the order's row locked; services are
``@atomic``.
"""

from __future__ import annotations

import logging
import secrets
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kaidian.platform import events, jobs
from kaidian.platform.errors import NotFound, ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.unit import atomic

from . import aftersale_photos, services, settings, states
from .errors import IllegalTransition
from .models import AfterSale, Order
from .schemas import AfterSaleInSchema, ApproveSchema, RejectSchema, ReturnShippedSchema, load

log = logging.getLogger(__name__)
REFUNDABLE = frozenset({states.PAID, states.SHIPPED, states.COMPLETED})


def get(after_sale_id: uuid.UUID, customer_id: uuid.UUID | None = None) -> AfterSale:
    row = db.session.execute(select(AfterSale).where(AfterSale.id == after_sale_id)).scalar_one_or_none()
    if row is None or (customer_id is not None and row.customer_id != customer_id):
        raise NotFound()
    return row


def search(status: str | None, page: int = 1, per_page: int = 20) -> tuple[list[AfterSale], int]:
    condition = [AfterSale.status == status] if status else []
    total = db.session.execute(select(func.count()).select_from(AfterSale).where(*condition)).scalar()
    rows = db.session.execute(select(AfterSale).where(*condition).order_by(AfterSale.created_at.desc(), AfterSale.id)
                              .limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return list(rows), total


def for_order(order: Order) -> list[AfterSale]:
    return list(db.session.execute(select(AfterSale).where(AfterSale.order_id == order.id)
                                   .order_by(AfterSale.created_at)).scalars())


def _open_quantities(order: Order) -> dict[str, int]:
    """Units of each line already refunded or in an open request."""
    taken: dict[str, int] = {str(line.id): line.refunded_quantity for line in order.lines}
    for row in for_order(order):
        if row.status in states.OPEN_AFTER_SALE:
            for item in row.items:
                taken[item["line_id"]] = taken.get(item["line_id"], 0) + item["quantity"]
    return taken


def _open_amount(order: Order) -> int:
    return sum(row.amount_fen for row in for_order(order) if row.status in states.OPEN_AFTER_SALE)


@atomic
def request(customer_id: uuid.UUID, order_id: uuid.UUID, data: dict) -> AfterSale:
    values = load(AfterSaleInSchema(), data)
    photos = aftersale_photos.claim(customer_id, values["photos"])
    order = services.lock_order(order_id, customer_id)
    if order.status not in REFUNDABLE:
        raise IllegalTransition(_l("Only a paid order can ask for after-sales."), status_from=order.status,
                                action="after_sale")
    if values["kind"] == "return_refund" and order.status == states.PAID:
        raise ValidationFailed(fields={"kind": [_l("Nothing was shipped yet: ask for a refund only.")]})
    lines = {str(line.id): line for line in order.lines}
    taken = _open_quantities(order)
    items, amount = [], 0
    for item in values["items"]:
        line = lines.get(str(item["line_id"]))
        if line is None:
            raise ValidationFailed(fields={"items": [_l("This line is not in the order.")]})
        if item["quantity"] > line.quantity - taken.get(str(line.id), 0):
            raise ValidationFailed(fields={"items": [_l("More than can still be refunded on “%(title)s”.",
                                                        title=line.title)]})
        items.append({"line_id": str(line.id), "quantity": item["quantity"]})
        amount += line.unit_fen * item["quantity"]
    everything = all(taken.get(key, 0) + sum(i["quantity"] for i in items if i["line_id"] == key) >= line.quantity
                     for key, line in lines.items())
    if everything and order.status == states.PAID:
        amount += order.freight_fen  # nothing shipped: the freight goes back too
    amount = min(amount + order.adjust_fen if everything else amount,
                 order.paid_fen - order.refunded_fen - _open_amount(order))
    if amount <= 0:
        raise ValidationFailed(fields={"items": [_l("Nothing is left to refund on this order.")]})
    row = AfterSale(order_id=order.id, customer_id=customer_id, kind=values["kind"], status=states.REQUESTED,
                    reason=values["reason"], photos=photos, items=items, amount_fen=amount,
                    refund_number="AS" + order.number[-12:] + secrets.token_hex(4))
    db.session.add(row)
    db.session.flush()
    states.record(order, "after_sale_requested", actor_kind=states.CUSTOMER, actor_id=customer_id,
                  note=values["reason"], after_sale_id=row.id)
    events.publish("aftersale.requested", tenant_id=order.tenant_id, order_id=str(order.id),
                   after_sale_id=str(row.id), customer_id=str(customer_id))
    return row


@atomic
def approve(after_sale_id: uuid.UUID, data: dict, actor_id: uuid.UUID | None) -> AfterSale:
    values = load(ApproveSchema(), data)
    row = get(after_sale_id)
    order = services.lock_order(row.order_id)
    row = get(after_sale_id)
    if row.kind == "return_refund":
        row.return_address = values.get("return_address") or settings.return_address()
        if not row.return_address:
            raise ValidationFailed(fields={"return_address": [_l("Give the address the goods go back to.")]})
    states.transition_after_sale(row, order, "approve", actor_kind=states.STAFF, actor_id=actor_id,
                                 note=row.return_address)
    if row.kind == "refund_only":
        _start_refund(row, order, actor_id)
    return row


@atomic
def reject(after_sale_id: uuid.UUID, data: dict, actor_id: uuid.UUID | None) -> AfterSale:
    values = load(RejectSchema(), data)
    row = get(after_sale_id)
    order = services.lock_order(row.order_id)
    row.reject_reason = values["reason"]
    states.transition_after_sale(row, order, "reject", actor_kind=states.STAFF, actor_id=actor_id,
                                 note=values["reason"])
    return row


@atomic
def ship_return(customer_id: uuid.UUID, after_sale_id: uuid.UUID, data: dict) -> AfterSale:
    values = load(ReturnShippedSchema(), data)
    row = get(after_sale_id, customer_id)
    order = services.lock_order(row.order_id)
    row.return_carrier, row.return_tracking_number = values["carrier"], values["tracking_number"]
    states.transition_after_sale(row, order, "ship_return", actor_kind=states.CUSTOMER, actor_id=customer_id,
                                 note=f"{values['carrier']} {values['tracking_number']}")
    return row


@atomic
def receive_return(after_sale_id: uuid.UUID, actor_id: uuid.UUID | None) -> AfterSale:
    """The merchant has the returned goods: the refund starts (``return_shipped`` only)."""
    row = get(after_sale_id)
    order = services.lock_order(row.order_id)
    if row.status != states.RETURN_SHIPPED or row.refund_id:
        raise IllegalTransition(status_from=row.status, action="receive_return")
    _start_refund(row, order, actor_id)
    return row


@atomic
def retry_refund(after_sale_id: uuid.UUID, actor_id: uuid.UUID | None) -> AfterSale:
    row = get(after_sale_id)
    order = services.lock_order(row.order_id)
    if row.status not in (states.APPROVED, states.RETURN_SHIPPED) or row.refund_id not in ("", "failed"):
        raise IllegalTransition(status_from=row.status, action="refund")
    _start_refund(row, order, actor_id)
    return row


def _start_refund(row: AfterSale, order: Order, actor_id) -> None:
    from . import tasks

    row.refund_id = "pending"
    states.record(order, "refund_requested", actor_kind=states.STAFF if actor_id else states.SYSTEM,
                  actor_id=actor_id, note=f"{row.amount_fen} fen", after_sale_id=row.id)
    jobs.enqueue(tasks.refund_after_sale, order.tenant_id, row.id, queue="default", retry=tasks.PROVIDER_RETRY)


@atomic
def refund_started(after_sale_id: uuid.UUID, refund_id: str) -> None:
    """The provider took the refund (``refund_id``), unless its result already arrived."""
    row = get(after_sale_id)
    if row.refund_id == "pending":
        row.refund_id = refund_id[:64]


def _matching(order_id: uuid.UUID, refund_id: str, amount_fen: int) -> AfterSale | None:
    rows = list(db.session.execute(select(AfterSale).where(AfterSale.order_id == order_id)
                                   .order_by(AfterSale.created_at)).scalars())
    exact = next((r for r in rows if r.refund_id == refund_id), None)
    if exact is not None:
        return exact
    return next((r for r in rows if r.refund_id == "pending" and r.amount_fen == amount_fen), None)


@atomic
def refund_succeeded(order_id: uuid.UUID, refund_id: str, amount_fen: int) -> str:
    """``refund.succeeded`` for an after-sales refund: lines refunded, stock back when the goods came
    back (or never left), the order closed when refunded in full before completion."""
    order = services.lock_order(order_id)
    row = _matching(order_id, refund_id, amount_fen)
    if row is None:
        states.record(order, "refund_succeeded", actor_kind=states.SYSTEM, note=f"[{refund_id}] {amount_fen} fen")
        order.refunded_fen += amount_fen
        return "recorded"
    if row.status == states.REFUNDED:
        return "duplicate"
    row.refund_id = refund_id[:64]
    lines = {str(line.id): line for line in order.lines}
    restock = {}
    for item in row.items:
        line = lines[item["line_id"]]
        line.refunded_quantity += item["quantity"]
        line.refunded_fen += line.unit_fen * item["quantity"]
        restock[line.id] = item["quantity"]
    order.refunded_fen += row.amount_fen
    states.transition_after_sale(row, order, "refund", actor_kind=states.SYSTEM, note=f"{row.amount_fen} fen")
    if row.kind == "return_refund" or order.shipped_at is None:
        services.return_stock(order, restock)
    if all(line.refunded_quantity >= line.quantity for line in order.lines) and order.status in (
            states.PAID, states.SHIPPED):
        states.transition(order, "close_refunded", actor_kind=states.SYSTEM)
    return "refunded"


@atomic
def refund_failed(order_id: uuid.UUID, refund_id: str, amount_fen: int) -> None:
    order = services.lock_order(order_id)
    row = _matching(order_id, refund_id, amount_fen)
    if row is not None and row.status != states.REFUNDED:
        row.refund_id = "failed"
    states.record(order, "refund_failed", actor_kind=states.SYSTEM, note=f"[{refund_id}] {amount_fen} fen",
                  after_sale_id=row.id if row is not None else None)
