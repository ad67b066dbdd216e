"""The merchant admin's notifications: the bell (every admin page) and ``/admin/notifications``."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from kaidian.platform.auth import require_staff
from kaidian.platform.ids import valid_uuids

from . import services

bp = Blueprint("notifications", __name__, url_prefix="/admin/notifications", template_folder="templates")


@bp.get("/")
@require_staff("store.view")
def index():
    rows = services.recent()
    return render_template("notifications/list.html", rows=rows, text=services.text, link=services.link)


@bp.post("/read")
@require_staff("store.view")
def mark_read():
    ids = request.form.getlist("id")
    parsed = valid_uuids(ids)
    if len(parsed) != len(ids):
        abort(400)
    services.mark_read(parsed if ids else None)
    return redirect(url_for(".index"))


def inject_bell() -> dict:
    """``notification_bell`` (the unread count) for pages drawn for a store's staff."""
    if g.get("membership") is None or g.get("site") != "platform":
        return {}
    return {"notification_bell": services.unread_count()}
