"""Domain events that notify a store's staff. ``order.paid`` (payload in ARCHITECTURE.md: ``order_id,
order_no, customer_id, amount_fen, summary``) becomes a "new paid order" notification, once per order."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from kaidian.platform import events
from kaidian.platform.events import Event
from kaidian.platform.money import format_yuan

from . import services

ORDER_DETAIL_ENDPOINT = "orders_admin.detail"  # the orders package's admin page of one order (order_id)


def _order_link(params: dict) -> str | None:
    try:
        return url_for(ORDER_DETAIL_ENDPOINT, order_id=params["order_id"])
    except BuildError:  # the orders admin is not there (yet): the notification links nowhere
        return None


def _order_values(params: dict) -> dict:
    return {"order_no": params.get("order_no", ""), "amount": format_yuan(int(params.get("amount_fen") or 0)),
            "summary": params.get("summary", "")}


services.register_kind("order.paid", services.Kind(
    title=_l("New paid order %(order_no)s: %(amount)s, %(summary)s"), values=_order_values, link=_order_link))


def on_order_paid(event: Event) -> None:
    params = {key: event.payload.get(key) for key in ("order_id", "order_no", "amount_fen", "summary")}
    services.notify(event.tenant_id, "order.paid", params, dedupe_key=f"order.paid:{params['order_id']}")


def subscribe_all() -> None:
    events.subscribe("order.paid", on_order_paid, background=True, queue="default")
