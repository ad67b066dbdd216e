"""Admin pages for imports: upload, the progress bar (polling a JSON endpoint), the report."""

from __future__ import annotations

import uuid

from flask import Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kaidian.platform.auth import check_staff, require_staff
from kaidian.platform.forms import form_action

from . import imports, sheets
from .admin import bp, plan_context
from .models import ImportStatus

REPORT_PAGE = 200


def _page(errors=None, status=200):
    return render_template("catalog/imports.html", rows=imports.recent(1, 20)[0], columns=sheets.COLUMNS,
                           errors=errors or {}, max_rows=sheets.MAX_ROWS,
                           max_mb=imports.file_limit() // (1024 * 1024), **plan_context()), status


@bp.route("/imports", methods=["GET", "POST"])
@require_staff("store.view")
def import_list():
    if request.method == "POST":
        check_staff("catalog.edit")
        return form_action(lambda: imports.start(g.tenant, request.files.get("file"), current_user),
                           redirect_to=lambda job: url_for(".import_detail", import_id=job.id),
                           on_error=lambda exc: _page(exc.fields, 422))
    return _page()


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                      "Cache-Control": "private, no-store"})


@bp.get("/imports/template.csv")
@require_staff("store.view")
def import_template_csv():
    return _download(sheets.template_csv(), "text/csv", "products-template.csv")


@bp.get("/imports/template.xlsx")
@require_staff("store.view")
def import_template_xlsx():
    return _download(sheets.template_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "products-template.xlsx")


@bp.get("/imports/<uuid:import_id>")
@require_staff("store.view")
def import_detail(import_id: uuid.UUID):
    job = imports.get(import_id)
    outcome = request.args.get("outcome")
    page = min(max(1, request.args.get("page", 1, type=int)), 100_000)  # the API schemas' bound
    report, total = imports.report_page(job, outcome, page, REPORT_PAGE) if job.finished else ([], 0)
    return render_template("catalog/import_detail.html", job=job, report=report, outcome=outcome, page=page,
                           pages=max(1, -(-total // REPORT_PAGE)), stalled=job.status == ImportStatus.FAILED,
                           **plan_context())


@bp.get("/imports/<uuid:import_id>/progress")
@require_staff("store.view")
def import_progress(import_id: uuid.UUID):
    job = imports.get(import_id)
    return jsonify({"status": job.status.value, "total": job.total, "processed": job.processed,
                    "percent": job.percent, "created": job.created, "updated": job.updated,
                    "refused": job.refused, "finished": job.finished, "error": job.error})


@bp.get("/imports/<uuid:import_id>/report.csv")
@require_staff("store.view")
def import_report(import_id: uuid.UUID):
    job = imports.get(import_id)
    return _download(imports.report_csv(job), "text/csv", f"import-{job.id}-report.csv")


@bp.post("/imports/<uuid:import_id>/resume")
@require_staff("catalog.edit")
def import_resume(import_id: uuid.UUID):
    imports.resume(imports.get(import_id))
    flash(_("The import goes on from where it stopped."), "success")
    return redirect(url_for(".import_detail", import_id=import_id))
