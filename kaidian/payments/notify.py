"""The notification endpoints WeChat Pay calls (platform site, no CSRF, bounded body):

- ``POST /payments/wechatpay/notify/<tenant_id>`` — a store in direct-merchant mode;
- ``POST /payments/wechatpay/notify/partner`` — every sub-merchant of the platform (service-provider
  mode); the store is found from the decrypted ``sub_mchid``;
- ``POST /payments/wechatpay/notify/platform/<tenant_id>`` — a store's payment to the platform's own
  merchant account (``configuration.PLATFORM_PURPOSES``: its plan).
- ``POST /payments/alipay/notify/<tenant_id>`` — Alipay's signed form, answered ``success`` / ``fail``.

Payments and refunds share the address (``event_type`` tells them apart). The view reads at most
``WECHATPAY_MAX_NOTIFY_BYTES`` and hands over to ``notifications.handle``.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request

from . import notifications

bp = Blueprint("payments_notify", __name__)


def _answer(status: int, payload: dict | None):
    if payload is None:
        return Response(status=status)
    return jsonify(payload), status


def _body() -> bytes | None:
    limit = current_app.config["WECHATPAY_MAX_NOTIFY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


@bp.post("/payments/wechatpay/notify/<uuid:tenant_id>")
def wechatpay_direct(tenant_id: uuid.UUID):
    body = _body()
    if body is None:
        return _answer(413, {"code": "FAIL", "message": "body too large"})
    return _answer(*notifications.handle("direct", tenant_id, request.headers, body))


@bp.post("/payments/wechatpay/notify/platform/<uuid:tenant_id>")
def wechatpay_platform(tenant_id: uuid.UUID):
    """A store's payment to the platform's own merchant account (its plan)."""
    body = _body()
    if body is None:
        return _answer(413, {"code": "FAIL", "message": "body too large"})
    return _answer(*notifications.handle("platform", tenant_id, request.headers, body))


@bp.post("/payments/wechatpay/notify/partner")
def wechatpay_partner():
    body = _body()
    if body is None:
        return _answer(413, {"code": "FAIL", "message": "body too large"})
    return _answer(*notifications.handle("partner", None, request.headers, body))


@bp.post("/payments/alipay/notify/<uuid:tenant_id>")
def alipay_direct(tenant_id: uuid.UUID):
    """Alipay's asynchronous notification: a form POST, answered with the text ``success`` or ``fail``.
    (The form is parsed by Werkzeug, within the same size bound; its digest is taken of the fields.)"""
    limit = current_app.config["WECHATPAY_MAX_NOTIFY_BYTES"]
    if request.content_length is None or request.content_length > limit:
        return Response("fail", status=413, mimetype="text/plain")
    form = request.form.to_dict()
    status, text = notifications.handle_alipay(tenant_id, form, urlencode(sorted(form.items())).encode())
    return Response(text, status=status, mimetype="text/plain")
