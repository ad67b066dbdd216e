"""The merchant admin's payment settings page (``/admin/payments``): thin views over
``configuration``. Only holders of ``payments.manage`` (the owner) see or change the settings; secrets
are write-only (shown as set, never echoed back)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.auth import acting_user, require_staff
from kaidian.platform.forms import form_action
from kaidian.platform.sites import platform_url

from . import alipay_partner, configuration
from .services import is_sandbox

bp = Blueprint("payments_admin", __name__, url_prefix="/admin/payments", template_folder="templates")

FORM_FIELDS = ("mode", "appid", "mchid", "cert_serial", "apiv3_key", "private_key", "public_key_id", "public_key",
               "sub_mchid")


def _page(form: dict | None = None, errors: dict | None = None, check=None, status: int = 200,
          alipay_errors: dict | None = None, alipay_check=None):
    settings = configuration.store_settings()
    view = configuration.settings_view(settings)
    if form:
        view.update({k: v for k, v in form.items() if k not in ("apiv3_key", "private_key")})
    alipay = configuration.alipay_view(configuration.store_settings("alipay"))
    return render_template("payments/settings.html", view=view, errors=errors or {}, check=check,
                           alipay=alipay, alipay_errors=alipay_errors or {}, alipay_check=alipay_check,
                           partner_available=configuration.partner_available(),
                           alipay_partner_available=alipay_partner.available(), sandbox=is_sandbox()), status


@bp.get("/")
@require_staff("payments.manage")
def index():
    return _page()


@bp.post("/")
@require_staff("payments.manage")
def save():
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    return form_action(lambda: configuration.save_settings(form, actor=acting_user()),
                       success=_("Payment settings saved. Use “Test” to check them against WeChat Pay."),
                       redirect_to=url_for(".index"), on_error=lambda exc: _page(form, exc.fields, status=422))


@bp.post("/test")
@require_staff("payments.manage")
def test():
    result = configuration.check_settings(actor=acting_user())
    return _page(check=result)


@bp.post("/sandbox-merchant")
@require_staff("payments.manage")
def sandbox_merchant():
    """Development: fill the settings with a test merchant handed out by the WeChat Pay sandbox."""
    return form_action(lambda: configuration.use_sandbox_merchant(g.tenant.name, actor=acting_user()),
                       success=_("A sandbox test merchant was filled in. Use “Test” to check it."),
                       redirect_to=url_for(".index"))


@bp.post("/alipay")
@require_staff("payments.manage")
def save_alipay():
    form = {name: request.form.get(name, "") for name in ("app_id", "app_private_key", "alipay_public_key")}
    return form_action(lambda: configuration.save_alipay_settings(form, actor=acting_user()),
                       success=_("Alipay settings saved. Use “Test” to check them against Alipay."),
                       redirect_to=url_for(".index"),
                       on_error=lambda exc: _page(alipay_errors=exc.fields, status=422))


@bp.post("/alipay/test")
@require_staff("payments.manage")
def test_alipay():
    return _page(alipay_check=configuration.check_alipay_settings(actor=acting_user()))


@bp.post("/alipay/sandbox-app")
@require_staff("payments.manage")
def sandbox_alipay_app():
    return form_action(lambda: configuration.use_sandbox_alipay_app(g.tenant.name, actor=acting_user()),
                       success=_("A sandbox Alipay app was filled in. Use “Test” to check it."),
                       redirect_to=url_for(".index"))


@bp.post("/alipay/authorize")
@require_staff("payments.manage")
def authorize_alipay():
    """Partner mode: off to Alipay's authorization page for the platform's third-party app."""
    return form_action(lambda: alipay_partner.authorization_url(g.tenant.id, acting_user().id,
                                                                platform_url("payments_admin.alipay_authorized")),
                       redirect_to=lambda url: url or url_for(".index"))


@bp.get("/alipay/authorized")
@require_staff("payments.manage")
def alipay_authorized():
    """Alipay's redirect back (``app_auth_code``, ``state``); the state is checked before anything else."""
    return form_action(lambda: alipay_partner.complete_authorization(
        request.args.get("state", ""), request.args.get("app_auth_code", ""), acting_user().id, actor=acting_user()),
        success=lambda row: _("Alipay authorized: payments now go to your Alipay app %(app)s. Use “Test” to check.",
                              app=row.sub_mchid),
        redirect_to=url_for(".index") + "#alipay")


@bp.post("/alipay/revoke")
@require_staff("payments.manage")
def revoke_alipay():
    return form_action(lambda: alipay_partner.revoke(actor=acting_user()),
                       success=_("The Alipay authorization was removed from this store."),
                       redirect_to=url_for(".index") + "#alipay")
