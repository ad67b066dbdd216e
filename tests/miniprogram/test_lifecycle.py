"""A store's mini program end to end, over HTTP against the sandbox, with real RQ workers: setup, commit,
trial QR code, submit, WeChat's decision (pushed or polled), release, rejection and resubmission, withdraw,
duplicated / late / lost events, injected -1 and 45009, and a worker killed in the middle of a submission."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from kaidian.miniprogram import tasks
from kaidian.miniprogram.models import CodeVersion, HistoryEntry, Submission
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.tenancy import all_tenants
from tests.conftest import post_form

from .helpers import (
    decide,
    fault,
    publish_template,
    rows,
    sandbox_program,
    set_rules,
    setup_done,
    submission,
    wait_for,
    wait_submission,
    wait_version,
)


def ready(app, merchant, platform_admin, workers) -> None:
    """Given a current template and the setup done by the workers."""
    publish_template(platform_admin)
    workers.start(1)
    assert post_form(merchant, "/admin/miniprogram/setup", {"step": "all"}).status_code == 302
    wait_for(lambda: setup_done(app), "the setup checklist done", workers)


def submitted(app, merchant, workers) -> Submission:
    """Commit the current template and submit it (one click); the submission once WeChat took it."""
    assert post_form(merchant, "/admin/miniprogram/commit", {"submit_after": "1"}).status_code == 302
    return wait_submission(app, "auditing", workers)


def test_setup_commit_trial_code_submit_approve_release(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    state = sandbox_program(sandbox, authorized)
    assert state["domains"]["requestdomain"] == ["https://localhost"]
    assert state["webviewdomain"] == ["https://alpha.localhost"]
    assert state["privacy"]["owner_setting"]["contact_phone"] == "13800138000"

    assert post_form(merchant, "/admin/miniprogram/commit").status_code == 302
    version = wait_version(app, "committed", workers)
    assert sandbox_program(sandbox, authorized)["commit"]["ext_json"] == version.ext_json
    qr = merchant.get("/admin/miniprogram/qrcode.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png" and qr.data.startswith(b"\x89PNG")

    assert post_form(merchant, f"/admin/miniprogram/versions/{version.id}/submit").status_code == 302
    sub = wait_submission(app, "auditing", workers)
    assert sub.auditid == sandbox_program(sandbox, authorized)["latest_auditid"]

    push = decide(sandbox, authorized, "approve")["push"]
    assert push["answered_success"], push
    sub = wait_submission(app, "approved", workers)
    assert post_form(merchant, f"/admin/miniprogram/submissions/{sub.id}/release").status_code == 302
    wait_submission(app, "released", workers)
    assert sandbox_program(sandbox, authorized)["release"]["auditid"] == sub.auditid

    page = merchant.get("/admin/miniprogram/").get_data(as_text=True)
    assert 'data-status="released"' in page and 'id="history"' in page
    moves = [(entry.subject, entry.to_state) for entry in rows(app, HistoryEntry)]
    for expected in [("version", "committed"), ("submission", "auditing"), ("submission", "approved"),
                     ("submission", "releasing"), ("submission", "released")]:
        assert expected in moves
    releasing = next(e for e in rows(app, HistoryEntry) if e.to_state == "releasing")
    assert releasing.actor_id is not None  # who released it


def test_rejected_with_reason_and_screenshots_then_fixed_and_resubmitted(app, sandbox, authorized, merchant,
                                                                          platform_admin, workers, alpha):
    with app.app_context(), all_tenants():
        db.session.execute(update(Tenant).where(Tenant.id == alpha.tenant_id).values(name="最好的店"))
        db.session.commit()
    set_rules(sandbox, [{"field": "ext_json", "contains": "最好的", "action": "reject",
                         "reason": "名称含有夸大宣传用语"}])
    ready(app, merchant, platform_admin, workers)
    first = submitted(app, merchant, workers)
    decide(sandbox, authorized)  # by the rules
    rejected = wait_submission(app, "rejected", workers)
    assert rejected.reason == "名称含有夸大宣传用语" and len(rejected.screenshots) == 2
    shot = merchant.get(f"/admin/miniprogram/submissions/{first.id}/screenshots/{rejected.screenshots[0]}.png")
    assert shot.status_code == 200 and shot.data.startswith(b"\x89PNG")
    assert "名称含有夸大宣传用语" in merchant.get("/admin/miniprogram/").get_data(as_text=True)

    with app.app_context(), all_tenants():  # the merchant fixes the store's name
        db.session.execute(update(Tenant).where(Tenant.id == alpha.tenant_id).values(name="阿尔法小店"))
        db.session.commit()
    assert post_form(merchant, "/admin/miniprogram/commit", {"submit_after": "1"}).status_code == 302
    second = wait_for(lambda: (lambda s: s if s and s.id != first.id and s.status == "auditing" else None)(
        submission(app)), "the resubmission under review", workers)
    decide(sandbox, authorized)
    approved = wait_submission(app, "approved", workers, id=second.id)
    assert approved.auditid != first.auditid
    assert len(rows(app, Submission)) == 2


def test_withdraw_then_submit_again(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    sub = submitted(app, merchant, workers)
    assert post_form(merchant, f"/admin/miniprogram/submissions/{sub.id}/withdraw").status_code == 302
    wait_submission(app, "withdrawn", workers)
    assert sandbox_program(sandbox, authorized)["audits"][str(sub.auditid)]["status"] == 3
    again = submitted(app, merchant, workers)
    assert again.id != sub.id


def test_duplicated_and_late_events_change_nothing(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    submitted(app, merchant, workers)
    fault(sandbox, "wxa.audit_event", mode="duplicate")
    decide(sandbox, authorized, "approve")
    approved = wait_submission(app, "approved", workers)
    before = (len(rows(app, HistoryEntry)), approved.decided_at, approved.last_event_at)
    replay = sandbox.post("/sandbox/push_authorizer_event", appid=authorized,
                          event={"Event": "weapp_audit_fail", "Reason": "迟到的旧结果", "FailTime": "1000000000",
                                 "ScreenShot": "x|y"})
    assert replay["push"]["answered_success"]
    after = submission(app)
    assert after.status == "approved" and after.reason == ""
    assert (len(rows(app, HistoryEntry)), after.decided_at, after.last_event_at) == before
    pushes = [p for p in sandbox.state()["pushes"] if p["event"] == "weapp_audit_success"]
    assert len(pushes) == 2  # the duplicate did arrive


def test_lost_event_is_recovered_by_the_reconcile_job(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    submitted(app, merchant, workers)
    fault(sandbox, "wxa.audit_event", mode="lose")
    decide(sandbox, authorized, "reject", reason="类目不符")
    assert submission(app).status == "auditing"  # nothing arrived
    with app.app_context():
        counts = tasks.reconcile_audits()
        db.session.remove()
    assert counts == {"polled": 1, "moved": 1}
    sub = submission(app)
    assert sub.status == "rejected" and sub.reason == "类目不符" and sub.last_polled_at is not None


def test_busy_and_daily_quota_back_off_and_complete(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    fault(sandbox, "commit", errcode=45009)  # the daily quota: the step waits, then runs again
    fault(sandbox, "submit_audit", errcode=-1, count=4)  # busy beyond the client's own 3 tries: the job retries
    sub = submitted(app, merchant, workers)
    version = rows(app, CodeVersion, id=sub.version_id)[0]
    assert version.attempts == 2 and version.errcode is None
    assert sub.attempts == 2
    counts = sandbox.counts()
    assert counts["commit"] == 2 and counts["submit_audit"] == 5
    assert len(sandbox_program(sandbox, authorized)["audits"]) == 1  # submitted once
    waited = [e for e in rows(app, HistoryEntry) if e.subject == "version" and e.to_state == "committed"]
    assert len(waited) == 1


def test_a_worker_killed_mid_submission_is_resumed_without_a_second_submission(app, sandbox, authorized, merchant,
                                                                               platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    workers.stop()
    fault(sandbox, "submit_audit", latency_ms=2500)  # WeChat is slow to answer this one
    workers.start(1)
    assert post_form(merchant, "/admin/miniprogram/commit", {"submit_after": "1"}).status_code == 302
    wait_for(lambda: sandbox.count("submit_audit") >= 1, "the submission to reach WeChat", workers)
    workers.stop()  # killed (SIGKILL, work horse included) while WeChat is still answering
    audit = wait_for(lambda: sandbox_program(sandbox, authorized).get("latest_auditid"), "WeChat to record the audit")
    stuck = submission(app)
    assert stuck.status == "submitting" and stuck.auditid is None and stuck.lease_until is not None

    with app.app_context(), all_tenants():  # the lease runs out (as it would after MINIPROGRAM_LEASE_SECONDS)
        db.session.execute(update(Submission).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    with app.app_context():
        assert tasks.sweep_miniprograms()["submissions"] == 1
        db.session.remove()
    workers.start(1)
    resumed = wait_submission(app, "auditing", workers)
    assert resumed.auditid == audit and resumed.attempts == 2
    assert sandbox.count("submit_audit") == 1  # the retry adopted WeChat's audit instead of submitting again
    assert len(sandbox_program(sandbox, authorized)["audits"]) == 1


def test_an_approval_is_released_automatically_when_the_merchant_chose_so(app, sandbox, authorized, merchant,
                                                                          platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    assert post_form(merchant, "/admin/miniprogram/auto-release", {"enabled": "1"}).status_code == 302
    sub = submitted(app, merchant, workers)
    decide(sandbox, authorized, "approve")
    released = wait_submission(app, "released", workers)
    assert released.id == sub.id and sandbox_program(sandbox, authorized)["release"]["auditid"] == sub.auditid
    releasing = next(e for e in rows(app, HistoryEntry) if e.to_state == "releasing")
    assert releasing.actor_id is None  # Kaidian released it, on the merchant's setting
