"""The platform console: the template library synced from the Open Platform, and a bulk upgrade run by real
RQ workers — progress JSON, a store that fails with what to do, retrying it, never a store twice."""

from __future__ import annotations

from sqlalchemy import update

from kaidian.miniprogram.models import Submission, UpgradeItem, WxaTemplate
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants
from tests.conftest import login, post_form
from tests.wechat.helpers import MINI_PROGRAM, authorize, english

from .helpers import fault, publish_template, rows, sandbox_program, wait_for

SECOND_PROGRAM = "wx5a4db0c000000004"


def test_the_library_is_synced_marked_and_deleted(app, sandbox, platform_admin):
    page = platform_admin.get("/platform/miniprogram/").get_data(as_text=True)
    assert "开店小程序模板 首个版本" in page  # the drafts box, read from the Open Platform
    template_id = publish_template(platform_admin, draft_id=1)
    (row,) = rows(app, WxaTemplate)
    assert row.template_id == template_id and row.is_current and row.user_version == "1.0.0"
    assert post_form(platform_admin, f"/platform/miniprogram/templates/{template_id}/delete").status_code == 302
    assert rows(app, WxaTemplate) == []
    again = post_form(platform_admin, f"/platform/miniprogram/templates/{template_id}/delete")
    assert "85064" in platform_admin.get(again.headers["Location"]).get_data(as_text=True)


def test_a_bulk_upgrade_submits_each_store_once_and_retries_a_failure(app, sandbox, authorized, make_store,
                                                                        platform_admin, workers):
    bravo = make_store("bravo", plan="pro")
    with app.app_context(), all_tenants():
        db.session.execute(update(Tenant).where(Tenant.id == bravo.tenant_id).values(contact_phone="13900139000"))
        db.session.commit()
    bravo_client = english(app.test_client())
    login(bravo_client, bravo.login)
    authorize(bravo_client, SECOND_PROGRAM, kind="mini_program")
    template_id = publish_template(platform_admin)
    fault(sandbox, "commit", errcode=85013)  # the first store's commit is refused: it stops with what to do
    workers.start(2)

    started = post_form(platform_admin, "/platform/miniprogram/upgrades", {"template_id": str(template_id)})
    batch_path = started.headers["Location"]
    assert platform_admin.get(batch_path).status_code == 200

    def progress():
        return platform_admin.get(f"{batch_path}/progress.json").get_json()

    done = wait_for(lambda: (lambda p: p if p["counts"]["submitted"] + p["counts"]["failed"] == 2 else None)(
        progress()), "both stores finished", workers)
    assert done["total"] == 2 and done["counts"]["submitted"] == 1 and done["counts"]["failed"] == 1
    failed = next(item for item in done["items"] if item["state"] == "failed")
    assert "ext_json" in failed["error"] and failed["errcode"] == 85013

    assert post_form(platform_admin, f"{batch_path}/retry", {"item_id": failed["id"]}).status_code == 302
    wait_for(lambda: progress()["counts"]["submitted"] == 2, "the retried store submitted", workers)

    audits = [len(sandbox_program(sandbox, appid)["audits"]) for appid in (MINI_PROGRAM, SECOND_PROGRAM)]
    assert audits == [1, 1]
    assert len([s for s in rows(app, Submission) if s.auditid]) == 2
    # a second batch for the same template finds nobody left to upgrade
    post_form(platform_admin, "/platform/miniprogram/upgrades", {"template_id": str(template_id)})
    assert len(rows(app, UpgradeItem)) == 2
