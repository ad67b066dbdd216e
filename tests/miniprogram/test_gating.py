"""Plan gating and refusals: a plan without the mini-program feature, another store's ids, and actions
in the wrong state are refused with a clear answer and change nothing."""

from __future__ import annotations

import uuid

from kaidian.miniprogram.models import CodeVersion, MiniProgram, Submission
from tests.conftest import login, post_form
from tests.wechat.helpers import english, snapshot

from .helpers import rows


def test_a_plan_without_the_mini_program_is_refused_and_nothing_changes(app, make_store):
    basic = make_store("basic-shop", plan="basic")
    client = english(app.test_client())
    login(client, basic.login)
    page = client.get("/admin/miniprogram/")
    assert page.status_code == 200 and 'id="plan-gate"' in page.get_data(as_text=True)
    before = snapshot(app)
    for path, form in [("/admin/miniprogram/commit", {}), ("/admin/miniprogram/setup", {"step": "all"}),
                       ("/admin/miniprogram/auto-release", {"enabled": "1"})]:
        response = post_form(client, path, form)
        assert response.status_code == 302
        assert "not in your plan" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/admin/miniprogram/qrcode.png").status_code == 403
    assert snapshot(app) == before
    assert rows(app, CodeVersion) == [] and rows(app, MiniProgram) == []


def test_another_stores_or_unknown_ids_are_404_and_change_nothing(app, merchant):
    before = snapshot(app)
    for action in ("withdraw", "release", "retry"):
        assert post_form(merchant, f"/admin/miniprogram/submissions/{uuid.uuid4()}/{action}").status_code == 404
    assert post_form(merchant, f"/admin/miniprogram/versions/{uuid.uuid4()}/submit").status_code == 404
    assert merchant.get(f"/admin/miniprogram/submissions/{uuid.uuid4()}/screenshots/x.png").status_code == 404
    assert snapshot(app) == before
    assert rows(app, Submission) == []


def test_without_an_authorized_mini_program_the_page_says_so(app, merchant):
    page = merchant.get("/admin/miniprogram/").get_data(as_text=True)
    assert "No mini program is authorized" in page
    response = post_form(merchant, "/admin/miniprogram/commit")
    told = merchant.get(response.headers["Location"]).get_data(as_text=True)
    assert "This store has no authorized mini program yet" in told
    assert rows(app, MiniProgram) == []
