"""Domain events that send the shopper a template message, in one mapping (``EVENT_MESSAGES``).

WeChat does not import the domains that publish these (orders, payments): each event carries what the
message says, as documented in ARCHITECTURE.md ("Domain events"):

* ``order.paid``: ``order_id, order_no, customer_id, amount_fen, summary`` → "paid";
* ``order.shipped``: ``order_id, order_no, customer_id, carrier_code, tracking_no, summary`` → "shipped";
* ``refund.succeeded`` with ``purpose == "order"``: ``refund_id, reference_id`` (the order id),
  ``amount_fen``, ``customer_id``, ``order_no`` → "refund" (other purposes send nothing).

The shopper's openid comes from the customer (``customer_id``); a customer without one (logged in by
SMS) gets no message. Each handler runs as a background job after the publisher's commit, so nothing
here can undo or delay what the publisher did; the message is recorded once per (kind, reference).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from kaidian.customers.models import Customer
from kaidian.platform import events, shipping_trace
from kaidian.platform.events import Event
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.money import format_yuan
from kaidian.platform.sites import store_url
from kaidian.platform.tenancy import current_tenant_id

from . import template_messages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventMessage:
    kind: str  # a template_messages.KINDS key
    build: Callable[[Event], tuple[str, dict, str] | None]  # → (reference, data, store path) or None: no message


def _paid(event: Event):
    data = {"first": _("We have received your payment and are preparing your order."),
            "keyword1": event["order_no"], "keyword2": event["summary"], "keyword3": format_yuan(event["amount_fen"]),
            "remark": _("Tap to see your order.")}
    return str(event["order_id"]), data, f"/orders/{event['order_id']}"


def _shipped(event: Event):
    data = {"first": _("Your order is on its way."), "keyword1": event["order_no"],
            "keyword2": shipping_trace.carrier_name(event["carrier_code"]), "keyword3": event["tracking_no"],
            "remark": _("Tap to follow the parcel.")}
    return str(event["order_id"]), data, f"/orders/{event['order_id']}"


def _refund(event: Event):
    if event.payload.get("purpose") != "order":
        return None
    data = {"first": _("Your refund has been paid back."), "keyword1": event["order_no"],
            "keyword2": format_yuan(event["amount_fen"]),
            "remark": _("It reaches your account the way you paid, usually within minutes.")}
    return f"refund:{event['refund_id']}", data, f"/orders/{event['reference_id']}"


EVENT_MESSAGES: dict[str, EventMessage] = {
    "order.paid": EventMessage("paid", _paid),
    "order.shipped": EventMessage("shipped", _shipped),
    "refund.succeeded": EventMessage("refund", _refund),
}


def customer_openid(customer_id) -> tuple[str, str] | None:
    """(account appid, openid) of the current store's customer ``customer_id``, or None."""
    try:
        key = uuid.UUID(str(customer_id))
    except ValueError:
        return None
    customer = db.session.get(Customer, (current_tenant_id(), key))
    if customer is None or not customer.openid:
        return None
    return customer.authorizer_appid, customer.openid


def on_event(event: Event) -> None:
    """Send the template message ``event`` calls for (a background subscriber: the store is current)."""
    mapping = EVENT_MESSAGES[event.name]
    customer_id = event.payload.get("customer_id")
    if not customer_id or event.payload.get("purpose", "order") != "order":
        return  # nobody to write to (another purpose's refund, or no customer): no database work at all
    tenant = db.session.get(Tenant, event.tenant_id)
    recipient = customer_openid(customer_id)
    if tenant is None or recipient is None:
        log.info("%s: no WeChat recipient for customer %s; no template message", event.name, customer_id)
        return
    with force_locale(tenant.default_locale or "zh"):
        built = mapping.build(event)
    if built is None:
        return
    reference, data, path = built
    appid, openid = recipient
    template_messages.send_template_message(event.tenant_id, openid, mapping.kind, data, store_url(tenant, path),
                                            appid=appid, reference=reference)


def subscribe_all() -> None:
    for name in EVENT_MESSAGES:
        events.subscribe(name, on_event, background=True, queue="default")
