"""The platform console's WeChat page (``/platform/wechat``): the component's ticket, operator alerts
with what to do, and the daily-quota reset."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kaidian.platform.auth import require_platform_admin
from kaidian.platform.forms import form_action

from . import alerts, quota, tokens

bp = Blueprint("wechat_console", __name__, url_prefix="/platform/wechat", template_folder="templates")


@bp.get("/")
@require_platform_admin
def index():
    entries = [{**entry, "what_to_do": alerts.WHAT_TO_DO.get(entry["kind"], ""),
                "clears_used": quota.clears_this_month(entry["subject"])} for entry in alerts.open_alerts()]
    return render_template("wechat/console.html", alerts=entries, ticket=tokens.ticket_status(),
                           clears_per_month=quota.CLEARS_PER_MONTH)


@bp.post("/alerts/clear-quota")
@require_platform_admin
def clear_quota():
    subject = request.form.get("subject", "")
    return form_action(lambda: quota.clear_quota(subject),
                       success=_("The daily quota of %(subject)s was reset.", subject=subject),
                       redirect_to=url_for(".index"))


@bp.post("/alerts/resolve")
@require_platform_admin
def resolve():
    if alerts.resolve(request.form.get("kind", ""), request.form.get("subject", "")):
        flash(_("The alert was marked as handled."), "success")
    return redirect(url_for(".index"))
