"""Rolling a release back (WeChat's ``revertcoderelease``: one step, to the release before, once), over HTTP
against the sandbox with a real RQ worker: the previous release is online again and the history says who
and when; with nothing to roll back to, WeChat's refusal (87012) is a clear message and nothing changes;
a rolled-back release, or the one it went back to, cannot be rolled back again; a rollback whose answer was
lost (or whose worker was killed before recording it) is found done through ``getversioninfo`` instead of
ending in "nothing to roll back to"; a rolled-back template version can be submitted again, while a
duplicate is still refused and a bulk upgrade still skips a store holding that version."""

from __future__ import annotations

import html
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import update

from kaidian.miniprogram import policy, tasks, upgrades
from kaidian.miniprogram.models import HistoryEntry, Submission
from kaidian.platform.extensions import db
from kaidian.platform.i18n import stored
from kaidian.platform.models import utcnow
from kaidian.platform.tenancy import all_tenants
from tests.conftest import post_form

from .helpers import (
    decide,
    fault,
    history,
    rows,
    sandbox_program,
    submission,
    wait_for,
    wait_submission,
    wait_version,
)
from .test_lifecycle import ready, submitted


def release_one(app, sandbox, appid, merchant, workers) -> Submission:
    """Commit, submit, approve and release the current template; the released submission."""
    sub = submitted(app, merchant, workers)
    decide(sandbox, appid, "approve")
    wait_submission(app, "approved", workers, id=sub.id)
    assert post_form(merchant, f"/admin/miniprogram/submissions/{sub.id}/release",
                     {"confirmed": "1"}).status_code == 302
    return wait_submission(app, "released", workers, id=sub.id)


def roll_back(merchant, sub) -> object:
    return post_form(merchant, f"/admin/miniprogram/submissions/{sub.id}/rollback", {"confirmed": "1"})


def newer_template(platform_admin) -> int:
    """A second template version (sandbox draft 1) added to the library and marked current; its id."""
    assert post_form(platform_admin, "/platform/miniprogram/drafts/1/add").status_code == 302
    page = platform_admin.get("/platform/miniprogram/").get_data(as_text=True)
    newer = max(int(part.split('"', 1)[0]) for part in page.split('data-template="')[1:])
    assert post_form(platform_admin, f"/platform/miniprogram/templates/{newer}/current").status_code == 302
    return newer


def two_releases(app, sandbox, appid, merchant, platform_admin, workers) -> tuple[Submission, Submission]:
    ready(app, merchant, platform_admin, workers)
    first = release_one(app, sandbox, appid, merchant, workers)
    newer_template(platform_admin)
    second = release_one(app, sandbox, appid, merchant, workers)
    return first, second


def assert_rolled_back_cleanly(app, merchant, sandbox, appid, first, second) -> Submission:
    done = submission(app, id=second.id)
    assert done.status == "rolled_back" and done.errcode is None and done.error == ""
    assert done.lease_until is None and done.retry_at is None
    assert sandbox_program(sandbox, appid)["release"]["auditid"] == first.auditid
    assert submission(app, id=first.id).status == "released"
    moves = [(e.from_state, e.to_state) for e in history(app) if e.subject_id == second.id]
    assert moves[-2:] == [("released", "rolling_back"), ("rolling_back", "rolled_back")]
    assert ("rolling_back", "released") not in moves
    entry = next(e for e in history(app) if e.subject_id == second.id and e.to_state == "rolled_back")
    assert f"auditid {first.auditid}" in entry.detail and entry.actor_id is None
    page = merchant.get("/admin/miniprogram/").get_data(as_text=True)
    assert "87012" not in page and "Rolled back" in page
    return done


def test_the_previous_release_is_online_again(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    first = release_one(app, sandbox, authorized, merchant, workers)
    newer_template(platform_admin)  # a second template version
    second = release_one(app, sandbox, authorized, merchant, workers)
    assert sandbox_program(sandbox, authorized)["release"]["auditid"] == second.auditid

    page = merchant.get("/admin/miniprogram/").get_data(as_text=True)
    assert f"/submissions/{second.id}/rollback" in page and f"/submissions/{first.id}/rollback" not in page
    without_confirmation = post_form(merchant, f"/admin/miniprogram/submissions/{second.id}/rollback")
    assert without_confirmation.status_code == 200 and "back online" in without_confirmation.get_data(as_text=True)
    assert submission(app, id=second.id).status == "released"  # asked first, nothing done

    assert roll_back(merchant, second).status_code == 302
    wait_submission(app, "rolled_back", workers, id=second.id)
    online = sandbox_program(sandbox, authorized)["release"]
    assert online["auditid"] == first.auditid and "reverted_at" in online
    assert submission(app, id=first.id).status == "released"

    entries = [e for e in rows(app, HistoryEntry) if e.subject_id == second.id]
    asked = next(e for e in entries if e.to_state == "rolling_back")
    done = next(e for e in entries if e.to_state == "rolled_back")
    assert asked.actor_id is not None and done.actor_id is None and done.at >= asked.at
    assert f"auditid {first.auditid}" in done.detail
    page = merchant.get("/admin/miniprogram/").get_data(as_text=True)
    assert "Rolled back" in page and "/rollback" not in page  # one step only: no button on the older release

    refused = roll_back(merchant, first)  # the release rolled back to cannot be rolled back in its turn
    assert refused.status_code == 302
    assert submission(app, id=first.id).status == "released"
    assert sandbox.count("revertcoderelease") == 1


def test_with_nothing_to_roll_back_to_wechat_refuses_and_nothing_changes(app, sandbox, authorized, merchant,
                                                                         platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    only = release_one(app, sandbox, authorized, merchant, workers)
    before = sandbox_program(sandbox, authorized)["release"]

    assert roll_back(merchant, only).status_code == 302
    back = wait_for(lambda: (lambda s: s if s.status == "released" and s.errcode else None)(
        submission(app, id=only.id)), "the rollback refused", workers)
    assert back.errcode == 87012 and back.lease_until is None and back.retry_at is None
    assert sandbox.count("revertcoderelease") == 1  # stopped at once: not retried
    assert sandbox_program(sandbox, authorized)["release"] == before
    page = merchant.get("/admin/miniprogram/").get_data(as_text=True)
    assert "errcode 87012" in page and back.error in html.unescape(page)
    moves = [(e.from_state, e.to_state) for e in history(app) if e.subject_id == only.id]
    assert moves[-2:] == [("released", "rolling_back"), ("rolling_back", "released")]
    # the job wrote the message in the catalogue's language; each reader sees it in their own
    rule = policy.BY_ENDPOINT[("revertcoderelease", 87012)]
    with app.test_request_context():
        english, chinese = stored(rule.message), None
        with force_locale("zh"):
            chinese = str(rule.message)
    assert back.error.startswith(english) and chinese != english
    merchant.get("/lang/zh")
    page = html.unescape(merchant.get("/admin/miniprogram/").get_data(as_text=True))
    assert f"{chinese} (errcode 87012" in page and english not in page
    status = merchant.get("/admin/miniprogram/status.json").get_json()
    assert any(s["error"].startswith(chinese) for s in status["submissions"])
    merchant.get("/lang/en")


def test_a_rollback_whose_answer_was_lost_is_found_done(app, sandbox, authorized, merchant, platform_admin,
                                                        workers):
    first, second = two_releases(app, sandbox, authorized, merchant, platform_admin, workers)
    # WeChat rolls back, but its answer is lost (-1): the retry hears 87012 ("nothing to roll back to")
    fault(sandbox, "revertcoderelease", errcode=-1, mode="applied")
    assert roll_back(merchant, second).status_code == 302
    wait_for(lambda: submission(app, id=second.id).status != "rolling_back", "the rollback to end", workers)
    assert_rolled_back_cleanly(app, merchant, sandbox, authorized, first, second)
    assert sandbox.count("revertcoderelease") == 2 and sandbox.count("getversioninfo") == 1


def test_a_worker_killed_mid_rollback_is_resumed_and_recorded_as_done(app, sandbox, authorized, merchant,
                                                                      platform_admin, workers):
    first, second = two_releases(app, sandbox, authorized, merchant, platform_admin, workers)
    workers.stop()
    fault(sandbox, "revertcoderelease", latency_ms=2500, mode="applied")  # done at once, answered slowly
    workers.start(1)
    assert roll_back(merchant, second).status_code == 302
    wait_for(lambda: sandbox_program(sandbox, authorized)["release"]["auditid"] == first.auditid,
             "WeChat to roll back", workers)
    workers.stop()  # killed before the answer came back
    stuck = submission(app, id=second.id)
    assert stuck.status == "rolling_back" and stuck.lease_until is not None

    with app.app_context(), all_tenants():  # the lease runs out
        db.session.execute(update(Submission).where(Submission.id == second.id)
                           .values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    with app.app_context():
        assert tasks.sweep_miniprograms()["submissions"] == 1
        db.session.remove()
    workers.start(1)
    wait_for(lambda: submission(app, id=second.id).status != "rolling_back", "the rollback to end", workers)
    done = assert_rolled_back_cleanly(app, merchant, sandbox, authorized, first, second)
    assert done.attempts == stuck.attempts + 1  # the column counts every step's attempts: one more
    assert sandbox.count("revertcoderelease") == 2 and sandbox.count("getversioninfo") == 1


def test_a_genuine_refusal_still_stands_after_asking_wechat(app, sandbox, authorized, merchant, platform_admin,
                                                            workers):
    first, second = two_releases(app, sandbox, authorized, merchant, platform_admin, workers)
    fault(sandbox, "revertcoderelease", errcode=87012)  # refused, nothing done: the newer one stays online
    assert roll_back(merchant, second).status_code == 302
    back = wait_for(lambda: (lambda s: s if s.status == "released" and s.errcode else None)(
        submission(app, id=second.id)), "the rollback refused", workers)
    assert back.errcode == 87012 and sandbox.count("getversioninfo") == 1
    assert sandbox_program(sandbox, authorized)["release"]["auditid"] == second.auditid


def candidates(app, template_id: int) -> list:
    with app.app_context():
        found = upgrades.candidates(template_id)
        db.session.remove()
    return found


def test_a_rolled_back_version_can_be_submitted_again_by_hand_but_never_twice_at_once(
        app, sandbox, authorized, merchant, platform_admin, workers):
    first, second = two_releases(app, sandbox, authorized, merchant, platform_admin, workers)
    store = second.tenant_id
    assert store not in candidates(app, second.template_id)  # released: the bulk upgrade skips the store

    assert roll_back(merchant, second).status_code == 302
    wait_submission(app, "rolled_back", workers, id=second.id)
    assert store not in candidates(app, second.template_id)  # rolled back by the merchant: never re-pushed
    assert store not in candidates(app, first.template_id)  # the release online again still holds its own

    # the same template version, committed and submitted again
    assert post_form(merchant, "/admin/miniprogram/commit", {"submit_after": "1"}).status_code == 302
    again = wait_for(lambda: (lambda s: s if s and s.id not in (first.id, second.id) and s.status == "auditing"
                              else None)(submission(app)), "the resubmission under review", workers)
    assert again.template_id == second.template_id and again.auditid != second.auditid
    assert store not in candidates(app, second.template_id)  # in flight: held again

    # a duplicate while it is in flight is refused, at the submit button and in the database
    assert post_form(merchant, "/admin/miniprogram/commit").status_code == 302
    duplicate = wait_version(app, "committed", workers)
    refused = post_form(merchant, f"/admin/miniprogram/versions/{duplicate.id}/submit")
    assert refused.status_code == 302
    assert len([s for s in rows(app, Submission) if s.template_id == second.template_id]) == 2

    decide(sandbox, authorized, "approve")
    wait_submission(app, "approved", workers, id=again.id)
    assert post_form(merchant, f"/admin/miniprogram/submissions/{again.id}/release",
                     {"confirmed": "1"}).status_code == 302
    wait_submission(app, "released", workers, id=again.id)
    assert sandbox_program(sandbox, authorized)["release"]["auditid"] == again.auditid
    refused = post_form(merchant, f"/admin/miniprogram/versions/{duplicate.id}/submit")  # released: still held
    assert len([s for s in rows(app, Submission) if s.template_id == second.template_id]) == 2
    assert store not in candidates(app, second.template_id)
