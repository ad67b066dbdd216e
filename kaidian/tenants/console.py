"""Platform console pages for stores: search, detail, suspend / resume, licence review."""

from __future__ import annotations

import math
import uuid

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kaidian.platform.auth import require_platform_admin
from kaidian.platform.confirm import confirmation_page, confirmed
from kaidian.platform.forms import form_action

from . import qualifications, queries, services, staff

bp = Blueprint("console_tenants", __name__, url_prefix="/platform", template_folder="templates")


@bp.get("/tenants")
@require_platform_admin
def tenants():
    args = {"q": request.args.get("q", "")[:60], "status": request.args.get("status") or None,
            "plan": request.args.get("plan") or None}
    page = min(max(1, request.args.get("page", 1, type=int)), 100_000)  # the API schemas' bound
    rows, total = queries.search_tenants(**args, page=page)
    return render_template("console/tenants.html", rows=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / 20)), args=args, counts=queries.status_counts())


@bp.get("/tenants/<uuid:tenant_id>")
@require_platform_admin
def tenant_detail(tenant_id: uuid.UUID):
    tenant = queries.tenant_or_404(tenant_id)
    return render_template("console/tenant.html", tenant=tenant, members=staff.members(tenant),
                           checklist=qualifications.checklist(tenant), rows=qualifications.list_for(tenant),
                           events=services.recent_events(tenant))


@bp.post("/tenants/<uuid:tenant_id>/suspend")
@require_platform_admin
def tenant_suspend(tenant_id: uuid.UUID):
    if not confirmed():
        tenant = queries.tenant_or_404(tenant_id)
        return confirmation_page(_("Suspend %(name)s? Shoppers will see the store as closed and its admin becomes "
                                   "read-only until you resume it.", name=tenant.name),
                                 _("Suspend the store"), url_for(".tenant_detail", tenant_id=tenant.id))
    return _lifecycle(tenant_id, lambda t: services.suspend(t, request.form.get("reason", ""), current_user),
                      _("Store suspended."))


@bp.post("/tenants/<uuid:tenant_id>/resume")
@require_platform_admin
def tenant_resume(tenant_id: uuid.UUID):
    return _lifecycle(tenant_id, lambda t: services.resume(t, current_user), _("Store resumed."))


def _lifecycle(tenant_id, action, message):
    tenant = queries.tenant_or_404(tenant_id)
    return form_action(lambda: action(tenant), success=message,
                       redirect_to=url_for("console_tenants.tenant_detail", tenant_id=tenant.id))


@bp.post("/tenants/<uuid:tenant_id>/qualifications/<uuid:qualification_id>/review")
@require_platform_admin
def qualification_review(tenant_id: uuid.UUID, qualification_id: uuid.UUID):
    tenant = queries.tenant_or_404(tenant_id)
    row = queries.qualification_of(tenant, qualification_id)
    if request.form.get("decision") == "reject" and not confirmed():
        return confirmation_page(_("Reject this licence of %(name)s? The merchant is told the reason and must upload "
                                   "it again.", name=tenant.name),
                                 _("Reject"), url_for(".tenant_detail", tenant_id=tenant.id))
    return _lifecycle(tenant.id, lambda t: qualifications.review(row, request.form.to_dict(), current_user, t),
                      _("Review saved."))


@bp.get("/tenants/<uuid:tenant_id>/qualifications/<uuid:qualification_id>/file")
@require_platform_admin
def qualification_file(tenant_id: uuid.UUID, qualification_id: uuid.UUID):
    row = queries.qualification_of(queries.tenant_or_404(tenant_id), qualification_id)
    data, content_type = qualifications.file_of(row)
    return Response(data, content_type=content_type, headers={"Cache-Control": "private, no-store"})


@bp.get("/qualifications")
@require_platform_admin
def review_queue():
    rows = qualifications.pending_review()
    return render_template("console/review_queue.html", rows=rows,
                           tenants={r.tenant_id: queries.tenant_or_404(r.tenant_id) for r in rows})
