"""The order state machine, in one place: which action takes an order (or an after-sales request)
from which status to which, who may take it, and what each step records and announces.

Order::

    pending_payment --pay--------> paid --ship--> shipped --complete--> completed
    pending_payment --cancel-----> cancelled   (the shopper, or the merchant)
    pending_payment --close------> closed      (the payment window elapsed)
    paid / shipped --close_refunded--> closed  (every line refunded through after-sales)

After-sales request (on some lines of a paid, shipped or completed order)::

    requested --approve--> approved --ship_return--> return_shipped --refund--> refunded
    requested --approve--> approved --refund--> refunded                 (refund only)
    requested --reject---> rejected
    approved / return_shipped --refund_failed--> (stays; a note is recorded)

``transition`` is the only function that changes ``status``: it refuses an illegal step with
``IllegalTransition`` (409), records an ``OrderEvent`` (who, when, from, to, note) and publishes the
domain event of that step. Callers hold the order's row lock (``services.lock_order``) and commit.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from kaidian.platform import events
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow

from .errors import IllegalTransition
from .models import AfterSale, Order, OrderEvent

PENDING, PAID, SHIPPED, COMPLETED = "pending_payment", "paid", "shipped", "completed"
CANCELLED, CLOSED = "cancelled", "closed"
ORDER_STATUSES = (PENDING, PAID, SHIPPED, COMPLETED, CANCELLED, CLOSED)
ENDED = frozenset({CANCELLED, CLOSED})

REQUESTED, APPROVED, REJECTED, RETURN_SHIPPED, REFUNDED = (
    "requested", "approved", "rejected", "return_shipped", "refunded")
AFTER_SALE_STATUSES = (REQUESTED, APPROVED, REJECTED, RETURN_SHIPPED, REFUNDED)
OPEN_AFTER_SALE = frozenset({REQUESTED, APPROVED, RETURN_SHIPPED})

CUSTOMER, STAFF, SYSTEM = "customer", "staff", "system"

# (status, action) -> (next status, who may take it, the domain event announced)
ORDER_STEPS: dict[tuple[str, str], tuple[str, frozenset[str], str]] = {
    (PENDING, "pay"): (PAID, frozenset({SYSTEM}), "order.paid"),
    (PENDING, "cancel"): (CANCELLED, frozenset({CUSTOMER, STAFF}), "order.cancelled"),
    (PENDING, "close"): (CLOSED, frozenset({SYSTEM}), "order.closed"),
    (PAID, "ship"): (SHIPPED, frozenset({STAFF}), "order.shipped"),
    (SHIPPED, "complete"): (COMPLETED, frozenset({CUSTOMER, SYSTEM}), "order.completed"),
    (PAID, "close_refunded"): (CLOSED, frozenset({SYSTEM}), "order.closed"),  # every line refunded
    (SHIPPED, "close_refunded"): (CLOSED, frozenset({SYSTEM}), "order.closed"),
}

AFTER_SALE_STEPS: dict[tuple[str, str], tuple[str, frozenset[str], str]] = {
    (REQUESTED, "approve"): (APPROVED, frozenset({STAFF}), "aftersale.approved"),
    (REQUESTED, "reject"): (REJECTED, frozenset({STAFF}), "aftersale.rejected"),
    (APPROVED, "ship_return"): (RETURN_SHIPPED, frozenset({CUSTOMER}), "aftersale.return_shipped"),
    (APPROVED, "refund"): (REFUNDED, frozenset({SYSTEM}), "aftersale.refunded"),
    (RETURN_SHIPPED, "refund"): (REFUNDED, frozenset({SYSTEM}), "aftersale.refunded"),
}

# Steps that change no status but belong on the timeline (and who may take them).
NOTES = {
    "place": frozenset({CUSTOMER}),
    "change_price": frozenset({STAFF}),
    "remark": frozenset({STAFF}),
    "refund_requested": frozenset({SYSTEM, STAFF}),
    "refund_failed": frozenset({SYSTEM}),
    "refund_succeeded": frozenset({SYSTEM}),
    "late_payment_refund": frozenset({SYSTEM}),
    "after_sale_requested": frozenset({CUSTOMER}),
    "payment_mismatch": frozenset({SYSTEM}),
}

ORDER_STATUS_LABELS = {
    PENDING: _l("Pending payment"), PAID: _l("Paid, waiting to ship"), SHIPPED: _l("Shipped"),
    COMPLETED: _l("Completed"), CANCELLED: _l("Cancelled"), CLOSED: _l("Closed"),
}
AFTER_SALE_STATUS_LABELS = {
    REQUESTED: _l("Requested"), APPROVED: _l("Approved"), REJECTED: _l("Rejected"),
    RETURN_SHIPPED: _l("Return shipped"), REFUNDED: _l("Refunded"),
}


def can(order: Order, action: str, actor_kind: str | None = None) -> bool:
    step = ORDER_STEPS.get((order.status, action))
    return step is not None and (actor_kind is None or actor_kind in step[1])


def transition(order: Order, action: str, *, actor_kind: str, actor_id: uuid.UUID | None = None,
               note: str = "", **payload) -> str:
    """Take ``action`` on ``order``: its new status (event recorded and published), or
    ``IllegalTransition`` with nothing changed."""
    step = ORDER_STEPS.get((order.status, action))
    if step is None or actor_kind not in step[1]:
        raise IllegalTransition(_l("An order that is “%(status)s” cannot be %(action)s.",
                                   status=ORDER_STATUS_LABELS.get(order.status, order.status),
                                   action=_ACTION_WORDS.get(action, action)),
                                status_from=order.status, action=action)
    before, (after, _, event_name) = order.status, step
    order.status = after
    now = utcnow()
    if after == PAID:
        order.paid_at = now
    elif after == SHIPPED:
        order.shipped_at = now
    elif after == COMPLETED:
        order.completed_at = now
    elif after in ENDED:
        order.ended_at = now
    record(order, action, before, after, actor_kind=actor_kind, actor_id=actor_id, note=note)
    events.publish(event_name, tenant_id=order.tenant_id, order_id=str(order.id), customer_id=str(order.customer_id),
                   order_no=order.number, summary=summary(order), **payload)
    return after


def summary(order: Order) -> str:
    """What the order is, in a few words for a message: "连衣裙 等2件" (the first title, the count), in
    the locale of the request or job that announces it."""
    title = order.lines[0].title if order.lines else ""
    if order.quantity <= 1:
        return title[:14]
    return ngettext("%(title)s, %(num)d item", "%(title)s, %(num)d items", order.quantity, title=title[:12])


def transition_after_sale(request: AfterSale, order: Order, action: str, *, actor_kind: str,
                          actor_id: uuid.UUID | None = None, note: str = "") -> str:
    step = AFTER_SALE_STEPS.get((request.status, action))
    if step is None or actor_kind not in step[1]:
        raise IllegalTransition(_l("An after-sales request that is “%(status)s” cannot be %(action)s.",
                                   status=AFTER_SALE_STATUS_LABELS.get(request.status, request.status),
                                   action=_ACTION_WORDS.get(action, action)),
                                status_from=request.status, action=action)
    before, (after, _, event_name) = request.status, step
    request.status = after
    record(order, action, before, after, actor_kind=actor_kind, actor_id=actor_id, note=note,
           after_sale_id=request.id)
    events.publish(event_name, tenant_id=order.tenant_id, order_id=str(order.id), after_sale_id=str(request.id),
                   customer_id=str(order.customer_id))
    return after


def record(order: Order, action: str, before: str = "", after: str = "", *, actor_kind: str,
           actor_id: uuid.UUID | None = None, note: str = "", after_sale_id: uuid.UUID | None = None) -> OrderEvent:
    """Put one line on the order's timeline (a status change, or a note such as a price change)."""
    row = timeline_row(order, action, before, after, actor_kind=actor_kind, actor_id=actor_id, note=note,
                       after_sale_id=after_sale_id)
    db.session.add(row)
    return row


def timeline_row(order: Order, action: str, before: str = "", after: str = "", *, actor_kind: str,
                 actor_id: uuid.UUID | None = None, note: str = "",
                 after_sale_id: uuid.UUID | None = None) -> OrderEvent:
    """The timeline line ``record`` adds, not yet in the session (placing an order writes it with the
    order in one statement)."""
    if not before and action in NOTES and actor_kind not in NOTES[action]:
        raise IllegalTransition(status_from=order.status, action=action)
    return OrderEvent(tenant_id=order.tenant_id, order_id=order.id, after_sale_id=after_sale_id, action=action,
                      from_status=before, to_status=after, actor_kind=actor_kind, actor_id=actor_id,
                      note=str(note or "")[:300])


_ACTION_WORDS = {
    "pay": _l("paid"), "cancel": _l("cancelled"), "close": _l("closed"), "ship": _l("shipped"),
    "complete": _l("completed"), "approve": _l("approved"), "reject": _l("rejected"),
    "ship_return": _l("returned"), "refund": _l("refunded"), "close_refunded": _l("closed"),
}
