"""Plans and their limits, subscriptions and their state machine, paying the platform (WeChat Pay
Native QR, bank transfer), receipts and 发票 requests, reminders, and enforcement."""

from flask_babel import lazy_gettext as _l

STATE_LABELS = {"trial": _l("Trial"), "active": _l("Active"), "grace": _l("Grace period"), "expired": _l("Expired"),
                "closed": _l("Closed")}
PAYMENT_LABELS = {"pending": _l("Waiting for payment"), "paid": _l("Paid"), "expired": _l("Expired"),
                  "refunded": _l("Refunded")}


def init_app(app) -> None:
    from flask import Blueprint

    from kaidian.platform import api_tokens, console, events, sites

    from . import admin, api, gateway, models, pricing, services, tasks  # noqa: F401
    from . import console as billing_console
    from .plans import PLANS

    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, billing_console.bp, sites.PLATFORM)
    sites.register(app, pricing.bp, sites.PLATFORM)
    sites.register_api(api.blp, sites.PLATFORM)
    sites.register(app, Blueprint("billing_static", __name__, static_folder="static",
                                  static_url_path="/static/billing"), sites.ANY)
    console.add_nav("billing_console.subscriptions", _l("Billing"))
    events.subscribe("payment.succeeded", gateway.on_payment_succeeded)
    events.subscribe("refund.succeeded", gateway.on_refund_succeeded)
    api_tokens.register_guard(services.require_api_access)  # issuing and using API tokens need api_access
    _register_legacy_private_folder()
    app.jinja_env.globals.update(
        plan_of=services.plan_of, all_plans=services.all_plans, billing_summary=services.summary_of,
        plans_by_code=PLANS, billing_state_label=lambda s: STATE_LABELS.get(s, s),
        payment_status_label=lambda s: PAYMENT_LABELS.get(s, s))


def _register_legacy_private_folder() -> None:
    """发票 PDFs saved under ``t/`` before they were private: ``flask kaidian move-private-files``."""
    from kaidian.platform import private_move

    from .models import InvoiceRequest

    def set_key(row, keys):
        row.file_key = keys[0]

    private_move.register(private_move.LegacyFolder(
        "invoices", InvoiceRequest, lambda row: [row.file_key or ""], set_key,
        lambda text: InvoiceRequest.file_key.startswith(text, autoescape=True)))
