"""Drivers for the mini-program tests: the console and admin forms, the sandbox's levers, and waiting
(bounded) for the workers to move a row."""

from __future__ import annotations

import time

import requests
from sqlalchemy import select

from kaidian.miniprogram.models import CodeVersion, HistoryEntry, MiniProgram, Submission
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from tests.conftest import post_form

WAIT = 60.0  # seconds a test waits at most for the workers (a bound, not a timing assertion)


def seed_miniprogram_ids(tenant) -> dict:
    """A store's committed version and rejected submission (with a screenshot), a library template and a
    bulk upgrade, for the cross-store tests (the caller's app context and store; committed here)."""
    from kaidian.miniprogram.models import UpgradeBatch, WxaTemplate

    template = db.session.get(WxaTemplate, 101) or WxaTemplate(template_id=101, user_version="1.0.0")
    db.session.add(template)
    version = CodeVersion(tenant_id=tenant.id, appid="wxseedprogram01", template_id=101, user_version="1.0.0",
                          ext_json="{}", status="committed")
    db.session.add(version)
    db.session.flush()
    submission = Submission(tenant_id=tenant.id, version_id=version.id, appid="wxseedprogram01", template_id=101,
                            status="rejected", auditid=1, reason="seed", screenshots=["seedshot1"])
    batch = UpgradeBatch(template_id=101, user_version="1.0.0")
    db.session.add_all([submission, batch])
    db.session.commit()
    return {"version_id": version.id, "submission_id": submission.id, "media_id": "seedshot1",
            "template_id": 101, "draft_id": 1, "batch_id": batch.id}


def publish_template(admin_client, draft_id: int = 2) -> int:
    """The platform admin adds a sandbox draft to the library and marks it current; its template id."""
    assert post_form(admin_client, f"/platform/miniprogram/drafts/{draft_id}/add").status_code == 302
    page = admin_client.get("/platform/miniprogram/").get_data(as_text=True)
    template_id = int(page.split('data-template="', 1)[1].split('"', 1)[0])
    assert post_form(admin_client, f"/platform/miniprogram/templates/{template_id}/current").status_code == 302
    return template_id


def rows(app, model, **where) -> list:
    with app.app_context(), all_tenants():
        found = list(db.session.execute(select(model).filter_by(**where)).scalars())
        for row in found:
            db.session.expunge(row)
        db.session.remove()
    return found


def wait_for(predicate, what: str, workers=None, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    detail = workers.output() if workers is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{detail}")


def submission(app, **where) -> Submission | None:
    found = sorted(rows(app, Submission, **where), key=lambda row: row.requested_at)
    return found[-1] if found else None


def wait_submission(app, status: str, workers=None, **where) -> Submission:
    return wait_for(lambda: (lambda row: row if row and row.status == status else None)(submission(app, **where)),
                    f"a submission {status}", workers)


def wait_version(app, status: str, workers=None) -> CodeVersion:
    def latest():
        found = sorted(rows(app, CodeVersion), key=lambda row: row.created_at)
        return found[-1] if found and found[-1].status == status else None
    return wait_for(latest, f"a version {status}", workers)


def setup_done(app) -> bool:
    programs = rows(app, MiniProgram)
    steps = ("domains", "webview", "privacy", "category")
    return bool(programs) and all((programs[0].setup or {}).get(step, {}).get("done_at") for step in steps)


def history(app) -> list[HistoryEntry]:
    return sorted(rows(app, HistoryEntry), key=lambda row: row.at)


def sandbox_program(sandbox, appid: str) -> dict:
    return requests.get(f"{sandbox.base_url}/sandbox/wxa/programs/{appid}", timeout=10).json()["program"] or {}


def decide(sandbox, appid: str, outcome: str = "auto", reason: str = "") -> dict:
    return sandbox.post("/sandbox/wxa/decide", appid=appid, outcome=outcome, reason=reason)


def set_rules(sandbox, rules: list[dict]) -> None:
    sandbox.post("/sandbox/wxa/audit_rules", rules=rules)


def fault(sandbox, endpoint: str, **options) -> None:
    sandbox.post("/sandbox/faults", endpoint=endpoint, **options)
