"""The one door from orders to the payments domain: every call orders makes to
``kaidian.payments.services`` goes through here, with ``purpose="order"`` and ``reference_id`` the
order's id. (Payments never imports orders: its results come back as the domain events
``payment.succeeded`` / ``refund.succeeded`` / ``refund.failed``, handled in ``services``.)

Calls to the provider are made from jobs (``tasks``) after the order's transaction commits, never
while an order row is locked — except ``start``, which the shopper waits for.
"""

from __future__ import annotations

import importlib

from .errors import PaymentUnavailable

PURPOSE = "order"


def _payments():
    try:
        return importlib.import_module("kaidian.payments.services")
    except ImportError:
        raise PaymentUnavailable() from None


def start(order, *, channel: str, description: str, payer_openid: str | None = None, client_ip: str = "",
          return_url: str = "") -> dict:
    """Begin paying ``order``: the provider's parameters for the page (JSAPI params, ``code_url`` or ``h5_url``)."""
    return _payments().start_payment(purpose=PURPOSE, reference_id=str(order.id), amount_fen=order.total_fen,
                                     description=description, channel=channel, payer_openid=payer_openid,
                                     client_ip=client_ip, return_url=return_url)


def close(order_id) -> None:
    _payments().close_payment(str(order_id), PURPOSE)


def refund(order_id, *, amount_fen: int, reason: str, out_refund_no: str):
    return _payments().refund(purpose=PURPOSE, reference_id=str(order_id), amount_fen=amount_fen, reason=reason,
                              out_refund_no=out_refund_no)
