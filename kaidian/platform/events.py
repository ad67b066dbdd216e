"""Domain events: a domain announces what happened; others react after the commit.

A publisher says ``events.publish("product.changed", product_id=…)`` inside its transaction and
imports none of the subscribers. Subscribers register once, from their package's ``init_app``::

    events.subscribe("tenant.created", setup_theme)                  # in-process, after commit
    events.subscribe("order.paid", send_receipt, background=True)    # an RQ job, after commit

Delivery rides on ``jobs.after_commit``: nothing is delivered before the commit, a rollback drops
the events, a savepoint's rollback drops the events published inside it, and each event reaches
each subscriber once. An in-process subscriber runs in a fresh app context (its own session and
transaction) with the event's tenant current; a background one is enqueued as a job that enters
the tenant itself. Handlers take the ``Event`` and must be idempotent (a job may be retried).

The names in ``EVENTS`` are the catalogue: publishing or subscribing to anything else is a
programming error (a typo would otherwise be a silent no-op).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from rq import Retry

from . import jobs
from .extensions import db
from .tenancy import current_tenant_id, tenant_context

log = logging.getLogger(__name__)

EVENTS = {
    "tenant.created": "a store was signed up (payload: none; the tenant is the event's tenant)",
    "product.changed": "a product's shown content changed: title, images, prices, status… (product_id)",
    "stock.changed": "stock of some SKUs moved (sku_ids, product_ids)",
    "payment.succeeded": "a payment became paid, once (payment_id, purpose, reference_id, amount_fen, transaction_id)",
    "refund.succeeded": "a refund reached the payer, once (refund_id, purpose, reference_id, amount_fen, and the "
                        "caller's refund metadata: for purpose 'order' customer_id, order_no)",
    "refund.failed": "a refund ended abnormal or closed, once (refund_id, purpose, reference_id, amount_fen, metadata)",
    "order.placed": "a shopper placed an order (order_id, customer_id)",
    "order.paid": "an order was paid (order_id, order_no, customer_id, amount_fen, summary)",
    "order.cancelled": "an unpaid order was cancelled (order_id, customer_id)",
    "order.closed": "an unpaid order closed when its payment window elapsed (order_id, customer_id)",
    "order.shipped": "an order was shipped (order_id, order_no, customer_id, carrier_code, tracking_no, summary)",
    "order.completed": "an order was completed: receipt confirmed or automatically (order_id, customer_id)",
    "aftersale.requested": "a shopper asked for after-sales on an order (order_id, after_sale_id, customer_id)",
    "aftersale.approved": "the merchant approved an after-sales request (order_id, after_sale_id, customer_id)",
    "aftersale.rejected": "the merchant rejected an after-sales request (order_id, after_sale_id, customer_id)",
    "aftersale.return_shipped": "the shopper sent the goods back (order_id, after_sale_id, customer_id)",
    "aftersale.refunded": "an after-sales refund reached the shopper (order_id, after_sale_id, customer_id)",
}


@dataclass(frozen=True)
class Event:
    name: str
    tenant_id: uuid.UUID | None
    payload: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.payload[key]


@dataclass(frozen=True)
class Subscriber:
    handler: Callable[[Event], None]
    background: bool = False
    queue: str = "default"


_SUBSCRIBERS: dict[str, list[Subscriber]] = {}


def subscribe(name: str, handler: Callable[[Event], None], *, background: bool = False,
              queue: str = "default") -> None:
    """Call ``handler(event)`` after each committed ``name`` event (idempotent per handler)."""
    _known(name)
    subscribers = _SUBSCRIBERS.setdefault(name, [])
    if not any(s.handler is handler for s in subscribers):
        subscribers.append(Subscriber(handler, background, queue))


def subscribers(name: str) -> list[Subscriber]:
    return list(_SUBSCRIBERS.get(name, ()))


def publish(name: str, *, tenant_id: uuid.UUID | None = None, session=None, **payload) -> None:
    """Announce ``name`` for ``tenant_id`` (default: the current tenant); delivered after the commit
    of ``session`` (default: the app's). Payload values are ids and plain data (they may travel to a
    worker)."""
    _known(name)
    event = Event(name, tenant_id if tenant_id is not None else current_tenant_id(), payload)
    jobs.after_commit(lambda app: _deliver(app, event), session=session)


def _known(name: str) -> None:
    if name not in EVENTS:
        raise ValueError(f"unknown domain event {name!r} (add it to kaidian.platform.events.EVENTS)")


def _deliver(app, event: Event) -> None:
    for subscriber in subscribers(event.name):
        if subscriber.background:
            with app.app_context():
                jobs.enqueue(run_handler, subscriber.handler, event, queue=subscriber.queue,
                             retry=Retry(max=3, interval=[10, 60, 300]))
        else:
            _run_in_process(app, subscriber.handler, event)


def _run_in_process(app, handler, event: Event) -> None:
    with app.app_context():
        try:
            run_handler(handler, event)
        except Exception:
            log.exception("event %s: subscriber %s failed", event.name, getattr(handler, "__name__", handler))
            if app.config.get("JOBS_RAISE"):
                raise
        finally:
            db.session.remove()


def run_handler(handler, event: Event) -> None:
    """Run one subscriber with the event's tenant current (also the job a background subscriber is)."""
    with tenant_context(event.tenant_id):
        handler(event)
