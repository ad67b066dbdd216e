"""Paying an order from the store's mini program: ``POST /api/mp/orders/<id>/pay`` on the platform host.

The mini program's pay page (``miniprogram/pages/pay``) calls it with the shopper's bearer token
(``customers.app_sessions``) and hands the answer's ``payment`` to ``wx.requestPayment`` as it is:
``timeStamp``, ``nonceStr``, ``package`` (``prepay_id=…``), ``signType`` (``RSA``) and ``paySign``, the
merchant key's signature over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``. The JSAPI order is made for
the mini program's AppID and the shopper's openid under it (``payer_appid``), through the same use case
as the web pages (``services.start_payment``): only this customer's unpaid order within its window
(anyone else's order is a 404, a paid one a 409).

The store's web pay page shown in the mini program's web-view cannot pay there: it hands the order to
this page (``pay_page_url``, the ``miniprogram`` hand-off of ``payments/channels.py``). After paying,
the pay page goes back to that web page, which has been waiting for the order to be paid and shows it.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify, request

from kaidian.customers import app_sessions
from kaidian.customers.services import current_customer
from kaidian.platform.money import format_yuan

from . import services

bp = Blueprint("orders_mp", __name__)

REQUEST_PAYMENT_KEYS = ("timeStamp", "nonceStr", "package", "signType", "paySign")
PAY_PAGE = "/pages/pay/pay"  # the template's native pay page (miniprogram/pages/pay), reading ``order_id``


def pay_page_url(order_id) -> str:
    """Where the store's web pay page, inside the mini program's web-view, hands an order over to pay it
    (``wx.miniProgram.navigateTo``; the payments rule offers it: ``payments/channels.py``)."""
    return f"{PAY_PAGE}?order_id={order_id}"


@bp.post("/api/mp/orders/<uuid:order_id>/pay")
@app_sessions.require_app_customer
def pay_order(order_id: uuid.UUID):
    params = services.start_payment(current_customer(), order_id, {"channel": "jsapi"},
                                    client_ip=request.remote_addr or "",
                                    payer_appid=app_sessions.current_app_session().appid)
    body = {"order_id": str(order_id), "payment_id": params["payment_id"], "amount_fen": params["amount_fen"],
            "amount_text": format_yuan(params["amount_fen"]),
            "payment": {key: params["jsapi"][key] for key in REQUEST_PAYMENT_KEYS}}
    if "cashier_url" in params:  # the sandbox's stand-in for WeChat's pay sheet (development only)
        body["cashier_url"] = params["cashier_url"]
    response = jsonify(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response
