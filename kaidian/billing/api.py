"""The merchant's JSON API of their subscription (``/api/v1/subscription…``, a Bearer token or the admin
session, like the other merchant APIs): plan, limits and usage, state and days left, payments, receipts.
Read-only: paying and changing plans stay on the plan page (``admin.py``)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from kaidian.platform.auth import require_staff

from . import account
from .schemas import PaymentSchema, ReceiptSchema, SubscriptionSchema

blp = Blueprint("billing_api", __name__, url_prefix="/api/v1", description="The store's plan and payments")


@blp.route("/subscription")
class Subscription(MethodView):
    @require_staff("store.view")
    @blp.response(200, SubscriptionSchema)
    def get(self):
        """The store's plan (features, limits), the usage of each limit, state, dates and days left."""
        return account.overview(g.tenant)


@blp.route("/subscription/payments")
class Payments(MethodView):
    @require_staff("store.view")
    @blp.response(200, PaymentSchema(many=True))
    def get(self):
        """The store's payments to the platform, newest first (the last 50)."""
        return account.payments(g.tenant)


@blp.route("/subscription/receipts")
class Receipts(MethodView):
    @require_staff("store.view")
    @blp.response(200, ReceiptSchema(many=True))
    def get(self):
        """The numbered receipts, newest first, each with its PDF's URL and its 发票 request's status."""
        return account.receipts(g.tenant)
