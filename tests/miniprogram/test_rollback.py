"""Rolling a release back (WeChat's ``revertcoderelease``: one step, to the release before, once), over HTTP
against the sandbox with a real RQ worker: the previous release is online again and the history says who
and when; with nothing to roll back to, WeChat's refusal (87012) is a clear message and nothing changes;
a rolled-back release, or the one it went back to, cannot be rolled back again."""

from __future__ import annotations

import html

from kaidian.miniprogram.models import HistoryEntry, Submission
from tests.conftest import post_form

from .helpers import decide, history, rows, sandbox_program, submission, wait_for, wait_submission
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


def test_the_previous_release_is_online_again(app, sandbox, authorized, merchant, platform_admin, workers):
    ready(app, merchant, platform_admin, workers)
    first = release_one(app, sandbox, authorized, merchant, workers)
    publish = post_form(platform_admin, "/platform/miniprogram/drafts/1/add")  # a second template version
    assert publish.status_code == 302
    page = platform_admin.get("/platform/miniprogram/").get_data(as_text=True)
    newer = max(int(part.split('"', 1)[0]) for part in page.split('data-template="')[1:])
    assert post_form(platform_admin, f"/platform/miniprogram/templates/{newer}/current").status_code == 302
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
