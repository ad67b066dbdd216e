"""How orders react to other domains' events (payments never imports orders)."""

from __future__ import annotations

import logging
import uuid

from kaidian.platform.errors import NotFound

from . import paying, services

log = logging.getLogger(__name__)


def on_payment_succeeded(event) -> None:
    """``payment.succeeded`` for an order: mark it paid, or refund a payment that came too late,
    twice, or for the wrong amount (``services.apply_payment``)."""
    if event["purpose"] != paying.PURPOSE:
        return
    try:
        order_id = uuid.UUID(str(event["reference_id"]))
        outcome = services.apply_payment(order_id, payment_id=str(event["payment_id"]),
                                         amount_fen=int(event["amount_fen"]),
                                         transaction_id=str(event.payload.get("transaction_id", "")))
    except (ValueError, NotFound):
        log.error("payment %s names no order of store %s", event.payload.get("payment_id"), event.tenant_id)
        return
    log.info("payment %s for order %s: %s", event["payment_id"], order_id, outcome)


def on_refund_succeeded(event) -> None:
    """``refund.succeeded`` for an order: the after-sales request it paid is refunded (lines, stock)."""
    _refund_result(event, succeeded=True)


def on_refund_failed(event) -> None:
    _refund_result(event, succeeded=False)


def _refund_result(event, *, succeeded: bool) -> None:
    from . import aftersales

    if event["purpose"] != paying.PURPOSE:
        return
    try:
        order_id = uuid.UUID(str(event["reference_id"]))
        if succeeded:
            aftersales.refund_succeeded(order_id, str(event["refund_id"]), int(event["amount_fen"]))
        else:
            aftersales.refund_failed(order_id, str(event["refund_id"]), int(event["amount_fen"]))
    except (ValueError, NotFound):
        log.error("refund %s names no order of store %s", event.payload.get("refund_id"), event.tenant_id)
