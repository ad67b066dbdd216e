"""The merchant admin (``/admin``): thin views over the tenants services."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kaidian.billing import services as billing
from kaidian.platform import api_tokens
from kaidian.platform.auth import (
    check_staff,
    choose_store,
    membership_in,
    memberships_of,
    require_staff,
)
from kaidian.platform.errors import StaffSuspended
from kaidian.platform.extensions import db
from kaidian.platform.forms import form_action
from kaidian.platform.models import Tenant
from kaidian.platform.roles import GRANTABLE_TO_STAFF
from kaidian.platform.storage import read_upload
from kaidian.platform.tenancy import all_tenants

from . import domains, qualifications, services, staff
from .rules import BUSINESS_CATEGORIES, QUALIFICATION_LABELS

bp = Blueprint("merchant", __name__, url_prefix="/admin", template_folder="templates")


def _form_again(template: str, status: int | None = 422, **context):
    """``on_error`` for ``form_action``: the form drawn again with each field's problem."""
    return lambda exc: (render_template(template, errors=exc.fields, **context), status or exc.status)


@bp.app_context_processor
def inject_labels():
    return {"qualification_labels": QUALIFICATION_LABELS, "business_categories": BUSINESS_CATEGORIES}


@bp.get("/")
@login_required
def dashboard():
    if g.get("membership") is None:
        if g.get("suspended_membership") is not None:
            raise StaffSuspended()
        return redirect(url_for("merchant.stores"))
    return render_template("merchant/dashboard.html", checklist=qualifications.checklist(g.tenant),
                           plan=billing.plan_of(g.tenant))


@bp.get("/stores")
@login_required
def stores():
    with all_tenants():
        rows = [(m, db.session.get(Tenant, m.tenant_id)) for m in memberships_of(current_user)]
    return render_template("merchant/stores.html", rows=rows)


@bp.post("/stores/<uuid:tenant_id>/switch")
@login_required
def switch_store(tenant_id: uuid.UUID):
    with all_tenants():
        if membership_in(current_user, tenant_id) is None:
            abort(404)
    choose_store(tenant_id)
    return redirect(url_for("merchant.dashboard"))


@bp.route("/profile", methods=["GET", "POST"])
@require_staff("store.view")
def profile():
    if request.method == "POST":
        check_staff("store.edit_profile")
        form = request.form.to_dict()
        form["categories"] = request.form.getlist("categories")
        return form_action(lambda: services.update_profile(g.tenant, form, current_user),
                           success=_("Store profile saved."), redirect_to=url_for("merchant.profile"),
                           on_error=_form_again("merchant/profile.html", form=form))
    return render_template("merchant/profile.html", errors={}, form=None)


@bp.post("/profile/logo")
@require_staff("store.edit_profile")
def upload_logo():
    return form_action(lambda: services.set_logo(g.tenant, read_upload(request.files.get("file")), current_user),
                       success=_("Logo updated."), redirect_to=url_for("merchant.profile"),
                       on_error=_form_again("merchant/profile.html", form=None))


@bp.route("/qualifications", methods=["GET", "POST"])
@require_staff("store.view")
def qualification_list():
    if request.method == "POST":
        check_staff("store.qualifications")
        return form_action(
            lambda: qualifications.upload(g.tenant, request.form.to_dict(), read_upload(request.files.get("file")),
                                          current_user),
            success=_("Licence uploaded; the platform will review it."),
            redirect_to=url_for("merchant.qualification_list"),
            on_error=lambda exc: _form_again("merchant/qualifications.html", **_qualification_context())(exc))
    return render_template("merchant/qualifications.html", errors={}, **_qualification_context())


def _qualification_context() -> dict:
    return {"rows": qualifications.list_for(g.tenant), "checklist": qualifications.checklist(g.tenant)}


@bp.get("/qualifications/<uuid:qualification_id>/file")
@require_staff("store.view")
def qualification_file(qualification_id: uuid.UUID):
    data, content_type = qualifications.file_of(qualifications.get(qualification_id))
    return Response(data, content_type=content_type, headers={"Cache-Control": "private, no-store"})


@bp.post("/qualifications/<uuid:qualification_id>/delete")
@require_staff("store.qualifications")
def qualification_delete(qualification_id: uuid.UUID):
    return form_action(lambda: qualifications.delete(qualifications.get(qualification_id), current_user, g.tenant),
                       redirect_to=url_for("merchant.qualification_list"))


@bp.route("/staff", methods=["GET", "POST"])
@require_staff("store.view")
def staff_list():
    if request.method == "POST":
        check_staff("store.staff")
        form = {**request.form.to_dict(), "permissions": request.form.getlist("permissions")}
        return form_action(lambda: staff.add(g.tenant, form, current_user),
                           success=_("Staff member added; they will receive an email to set their password."),
                           redirect_to=url_for("merchant.staff_list"),
                           on_error=lambda exc: _form_again("merchant/staff.html", status=None,
                                                            **_staff_context())(exc))
    return render_template("merchant/staff.html", errors={}, **_staff_context())


def _staff_context() -> dict:
    return {"rows": staff.members(g.tenant), "grantable": sorted(GRANTABLE_TO_STAFF),
            "staff_limit": billing.limit_of(g.tenant, "staff")}


@bp.post("/staff/<uuid:member_id>")
@require_staff("store.staff")
def staff_update(member_id: uuid.UUID):
    form = {"role": request.form.get("role", ""), "permissions": request.form.getlist("permissions")}
    return form_action(lambda: staff.update(staff.get(member_id), form, current_user, g.tenant),
                       success=_("Staff member updated."), redirect_to=url_for("merchant.staff_list"))


@bp.post("/staff/<uuid:member_id>/delete")
@require_staff("store.staff")
def staff_delete(member_id: uuid.UUID):
    return form_action(lambda: staff.remove(staff.get(member_id), current_user, g.tenant),
                       success=_("Staff member removed."), redirect_to=url_for("merchant.staff_list"))


@bp.route("/tokens", methods=["GET", "POST"])
@require_staff("store.tokens")
def tokens():
    new_token = None
    if request.method == "POST":
        _, new_token = api_tokens.issue(current_user, g.tenant.id, request.form.get("name", ""))
    return render_template("merchant/tokens.html", rows=api_tokens.active(current_user), new_token=new_token)


@bp.post("/tokens/<uuid:token_id>/revoke")
@require_staff("store.tokens")
def token_revoke(token_id: uuid.UUID):
    api_tokens.revoke(current_user, token_id)
    flash(_("Token revoked."), "success")
    return redirect(url_for("merchant.tokens"))


@bp.route("/domains", methods=["GET", "POST"])
@require_staff("store.view")
def domain_list():
    if request.method == "POST":
        check_staff("store.edit_profile")
        return form_action(
            lambda: domains.add(g.tenant, request.form.get("host", ""), current_user),
            success=_("Domain added. Publish the TXT record shown below to prove it is yours; the store answers "
                      "on it once the check passes."),
            redirect_to=url_for("merchant.domain_list"),
            on_error=lambda exc: _form_again("merchant/domains.html", None, rows=domains.domains_of(g.tenant),
                                             txt_record=domains.txt_record)(exc))
    return _domains_page()


def _domains_page(errors=None, status=200):
    return render_template("merchant/domains.html", errors=errors or {}, rows=domains.domains_of(g.tenant),
                           txt_record=domains.txt_record), status


@bp.post("/domains/<host>/check")
@require_staff("store.edit_profile")
def domain_check(host: str):
    domain = domains.check_now(g.tenant, host)
    if domain.verified:
        flash(_("%(host)s is verified: the store answers on it.", host=domain.host), "success")
    else:
        flash(_("Checking %(host)s; refresh this page in a minute to see the result.", host=domain.host), "info")
    return redirect(url_for("merchant.domain_list"))


@bp.post("/domains/<host>/delete")
@require_staff("store.edit_profile")
def domain_delete(host: str):
    return form_action(lambda: domains.remove(g.tenant, host, current_user), success=_("Domain removed."),
                       redirect_to=url_for("merchant.domain_list"))
