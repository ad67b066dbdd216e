"""Domain events that notify a store's staff. ``order.paid`` (payload in ARCHITECTURE.md: ``order_id,
order_no, customer_id, amount_fen, summary``) becomes a "new paid order" notification, once per order."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform import console, events
from kaidian.platform.events import Event
from kaidian.platform.money import format_yuan

from . import services


def _order_link(params: dict) -> str | None:
    """The order's admin page, through the entry point the orders package registers (``order_admin``);
    without it the notification links nowhere."""
    return console.entry_url("order_admin", order_id=params["order_id"])


def _order_values(params: dict) -> dict:
    return {"order_no": params.get("order_no", ""), "amount": format_yuan(int(params.get("amount_fen") or 0)),
            "summary": params.get("summary", "")}


services.register_kind("order.paid", services.Kind(
    title=_l("New paid order %(order_no)s: %(amount)s, %(summary)s"), values=_order_values, link=_order_link,
    topic=_l("New paid order")))


def on_order_paid(event: Event) -> None:
    params = {key: event.payload.get(key) for key in ("order_id", "order_no", "amount_fen", "summary")}
    services.notify(event.tenant_id, "order.paid", params, dedupe_key=f"order.paid:{params['order_id']}")


def subscribe_all() -> None:
    events.subscribe("order.paid", on_order_paid, background=True, queue="default")
