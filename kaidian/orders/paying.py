"""The one door from orders to the payments domain: every call orders makes to
``kaidian.payments.services`` goes through here, with ``purpose="order"`` and ``reference_id`` the
order's id. (Payments never imports orders: its results come back as the domain events
``payment.succeeded`` / ``refund.succeeded`` / ``refund.failed``, handled in ``handlers``.)

Calls to the provider are made from jobs (``tasks``) after the order's transaction commits, never
while an order row is locked — except ``start``, which the shopper waits for. Tests replace
``_payments`` with a stand-in that records the calls.
"""

from __future__ import annotations

PURPOSE = "order"


def _payments():
    from kaidian.payments import services

    return services


def offered_channels(user_agent: str | None, shopper_appid: str | None = None) -> list[dict]:
    """The ways of paying this shopper's browser is offered (``[{"channel", "provider", "handoff",
    "standby"}]``; a ``handoff`` sends the shopper to the mini program's own pay page, offered only to a
    shopper whose WeChat identity, ``shopper_appid``, is the store's mini program's)."""
    return _payments().offered_channels(user_agent, shopper_appid)


def shopper_context(user_agent: str | None) -> str:
    """``miniprogram`` (a mini program's web-view), ``wechat``, ``mobile`` or ``desktop``."""
    return _payments().shopper_context(user_agent)


def payable_channels(user_agent: str | None) -> set[str]:
    """The channels the pay endpoint may start for this browser: those offered, less hand-offs."""
    return {c["channel"] for c in offered_channels(user_agent) if not c.get("handoff")}


def start(order, *, channel: str, description: str, payer_openid: str | None = None, client_ip: str = "",
          return_url: str = "", payer_appid: str | None = None) -> dict:
    """Begin paying ``order``: the provider's parameters for the page (JSAPI params, ``code_url``, ``h5_url`` or
    Alipay's ``pay_url``). ``payer_appid``: the AppID the shopper's openid is under (a mini program)."""
    extra = {"payer_appid": payer_appid} if payer_appid else {}
    return _payments().start_payment(purpose=PURPOSE, reference_id=str(order.id), amount_fen=order.total_fen,
                                     description=description[:120], channel=channel, payer_openid=payer_openid,
                                     client_ip=client_ip, return_url=return_url, **extra)


def close(order_id) -> None:
    _payments().close_payment(str(order_id), PURPOSE)


def refund(order, *, amount_fen: int, reason: str, out_refund_no: str) -> str:
    """Refund ``amount_fen`` of ``order``'s payment (idempotent by ``out_refund_no``); the refund's id.
    The outcome's event carries ``customer_id`` and ``order_no`` (the shopper's refund message)."""
    result = _payments().refund(purpose=PURPOSE, reference_id=str(order.id), amount_fen=amount_fen, reason=reason,
                                out_refund_no=out_refund_no,
                                metadata={"customer_id": str(order.customer_id), "order_no": order.number})
    if isinstance(result, dict):
        return str(result.get("refund_id", ""))
    return str(getattr(result, "id", "") or "")
