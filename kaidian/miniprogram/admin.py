"""The merchant admin's "Mini program" page (``/admin/miniprogram``): thin views over ``services``."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from kaidian.billing import services as billing
from kaidian.platform.auth import require_staff, resolve_ids_first
from kaidian.platform.confirm import confirmation_page, confirmed
from kaidian.platform.extensions import db
from kaidian.platform.forms import form_action
from kaidian.platform.i18n import shown
from kaidian.platform.models import User
from kaidian.platform.roles import can
from kaidian.wechat.errors import WeChatError, WeChatRefused

from . import services, setup

bp = Blueprint("miniprogram_admin", __name__, url_prefix="/admin/miniprogram", template_folder="templates")

resolve_ids_first(bp, {"submission_id": services.get_submission, "version_id": services.get_version})


def _actor():
    return current_user.id if current_user.is_authenticated else None


def _back():
    return url_for(".index")


@bp.get("/")
@require_staff("store.view")
def index():
    tenant = g.tenant
    program = services.program_of(tenant)
    subs = services.submissions()
    entries = services.history()
    current = services.current_release()
    actors = _actor_names({entry.actor_id for entry in entries} | {sub.requested_by for sub in subs})
    return render_template(
        "miniprogram/index.html", authorizer=services.authorizer_of(tenant), program=program,
        checklist=setup.checklist(program), setup_done=setup.complete(program), template=services.current_template(),
        versions=services.versions(), submissions=subs, history=entries, actors=actors, step_labels=setup.STEPS,
        rollback_id=current.id if services.can_roll_back(current) else None,
        in_plan=billing.has_feature(tenant, services.FEATURE), can_manage=can(g.membership, "wechat.manage"))


def _actor_names(ids: set) -> dict:
    ids = {actor for actor in ids if actor}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name, User.email, User.mobile).where(User.id.in_(ids)))
    return {row.id: row.display_name or row.email or row.mobile or "" for row in rows}


@bp.get("/status.json")
@require_staff("store.view")
def status():
    """What the page polls while a step runs: the latest versions and submissions."""
    return jsonify({"versions": [{"id": str(v.id), "status": v.status, "error": shown(v.error)}
                                 for v in services.versions(5)],
                    "submissions": [{"id": str(s.id), "status": s.status, "reason": s.reason, "error": shown(s.error)}
                                    for s in services.submissions(5)]})


@bp.post("/setup")
@require_staff("wechat.manage")
def run_setup():
    step = request.form.get("step", "all")
    return form_action(lambda: services.run_setup(g.tenant, step, _actor()),
                       success=_("Setup started; the checklist updates when WeChat has answered."), redirect_to=_back())


@bp.post("/auto-release")
@require_staff("wechat.manage")
def auto_release():
    enabled = request.form.get("enabled") == "1"
    return form_action(lambda: services.set_auto_release(g.tenant, enabled, _actor()),
                       success=_("Saved."), redirect_to=_back())


@bp.post("/commit")
@require_staff("wechat.manage")
def commit():
    submit_after = request.form.get("submit_after") == "1"
    return form_action(lambda: services.commit_current(g.tenant, _actor(), submit_after=submit_after),
                       success=_("The current template is being uploaded with your store's settings."),
                       redirect_to=_back())


@bp.post("/versions/<uuid:version_id>/submit")
@require_staff("wechat.manage")
def submit(version_id: uuid.UUID):
    return form_action(lambda: services.submit(g.tenant, version_id, _actor()),
                       success=_("Submitted for WeChat's review."), redirect_to=_back())


@bp.post("/submissions/<uuid:submission_id>/withdraw")
@require_staff("wechat.manage")
def withdraw(submission_id: uuid.UUID):
    return form_action(lambda: services.withdraw(g.tenant, submission_id, _actor()),
                       success=_("Withdrawing the submission from review."), redirect_to=_back())


@bp.post("/submissions/<uuid:submission_id>/release")
@require_staff("wechat.manage")
def release(submission_id: uuid.UUID):
    return form_action(lambda: services.release(g.tenant, submission_id, _actor()),
                       success=_("Releasing the approved version."), redirect_to=_back())


ROLLBACK_QUESTION = _l("Put the version released before this one back online? WeChat goes back one release only, "
                       "once.")


@bp.post("/submissions/<uuid:submission_id>/rollback")
@require_staff("wechat.manage")
def rollback(submission_id: uuid.UUID):
    if not confirmed():
        return confirmation_page(str(ROLLBACK_QUESTION), _("Roll back"), _back())
    return form_action(lambda: services.roll_back(g.tenant, submission_id, _actor()),
                       success=_("Rolling back to the previous release."), redirect_to=_back())


@bp.post("/submissions/<uuid:submission_id>/retry")
@require_staff("wechat.manage")
def retry(submission_id: uuid.UUID):
    return form_action(lambda: services.retry(g.tenant, submission_id, _actor()),
                       success=_("Submitting again."), redirect_to=_back())


def _image(call) -> Response:
    try:
        kind, data = call()
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    response = Response(data, mimetype=kind)
    response.cache_control.private = True
    response.cache_control.max_age = 60
    return response


@bp.get("/qrcode.png")
@require_staff("store.view")
def qrcode():
    return _image(lambda: services.qrcode(g.tenant))


@bp.get("/submissions/<uuid:submission_id>/screenshots/<media_id>.png")
@require_staff("store.view")
def screenshot(submission_id: uuid.UUID, media_id: str):
    return _image(lambda: services.screenshot(g.tenant, submission_id, media_id))
