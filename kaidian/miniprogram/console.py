"""The platform console's mini-program pages (``/platform/miniprogram``): the template library synced from
the Open Platform (drafts → templates, delete, mark current) and bulk upgrades with their progress."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kaidian.platform.auth import require_platform_admin
from kaidian.platform.errors import AppError
from kaidian.platform.forms import form_action

from . import library, services, upgrades

bp = Blueprint("miniprogram_console", __name__, url_prefix="/platform/miniprogram", template_folder="templates")
static_bp = Blueprint("miniprogram_static", __name__, static_folder="static", static_url_path="/static/miniprogram")


@bp.get("/")
@require_platform_admin
def index():
    drafts, drafts_error = [], ""
    try:
        drafts = library.drafts()
    except AppError as error:
        drafts_error = str(error.message)
    return render_template("miniprogram/console.html", templates=library.templates(), drafts=drafts,
                           drafts_error=drafts_error, current=services.current_template(), batches=upgrades.batches())


def _back():
    return url_for(".index")


@bp.post("/sync")
@require_platform_admin
def sync():
    return form_action(library.sync, success=lambda n: _("%(n)s templates in the library.", n=n), redirect_to=_back())


@bp.post("/drafts/<int:draft_id>/add")
@require_platform_admin
def add_draft(draft_id: int):
    return form_action(lambda: library.add_draft(draft_id), success=_("The draft was added to the template library."),
                       redirect_to=_back())


@bp.post("/templates/<int:template_id>/delete")
@require_platform_admin
def delete_template(template_id: int):
    return form_action(lambda: library.delete(template_id), success=_("The template was deleted."), redirect_to=_back())


@bp.post("/templates/<int:template_id>/current")
@require_platform_admin
def mark_current(template_id: int):
    return form_action(lambda: library.mark_current(template_id),
                       success=_("Merchants now commit this template."), redirect_to=_back())


@bp.post("/upgrades")
@require_platform_admin
def create_upgrade():
    raw = request.form.get("template_id", "")
    if not raw.isdigit() or len(raw) > 12:
        flash(_("Choose a template."), "error")
        return redirect(_back())
    template_id = int(raw)
    return form_action(lambda: upgrades.create_batch(template_id, current_user.id, plan=request.form.get("plan", ""),
                                                     slugs=request.form.get("slugs", "")),
                       success=_("Bulk upgrade started."),
                       redirect_to=lambda batch: url_for(".upgrade", batch_id=batch.id) if batch else _back())


@bp.get("/upgrades/<uuid:batch_id>")
@require_platform_admin
def upgrade(batch_id: uuid.UUID):
    return render_template("miniprogram/upgrade.html", progress=upgrades.progress(batch_id))


@bp.get("/upgrades/<uuid:batch_id>/progress.json")
@require_platform_admin
def progress(batch_id: uuid.UUID):
    return jsonify(upgrades.progress(batch_id))


@bp.post("/upgrades/<uuid:batch_id>/retry")
@require_platform_admin
def retry(batch_id: uuid.UUID):
    raw = request.form.get("item_id", "")
    try:
        item_id = uuid.UUID(raw) if raw else None
    except ValueError:
        return redirect(url_for(".upgrade", batch_id=batch_id))
    return form_action(lambda: upgrades.retry(batch_id, item_id),
                       success=lambda n: _("%(n)s stores queued again.", n=n),
                       redirect_to=url_for(".upgrade", batch_id=batch_id))
