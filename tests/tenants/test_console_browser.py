"""The console's destructive actions ask first, and a suspended store's admin shows its forms
disabled with the reason (issue #10, item 8), in a real browser: the confirmation is a <dialog>
driven by the static forms.js (the CSP allows no inline script). Set-up and skipping: tests/browser.py."""

from __future__ import annotations

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, TenantStatus


def _status(app, tenant_id):
    with app.app_context():
        status = db.session.get(Tenant, tenant_id).status
        db.session.remove()
    return status


def test_suspending_asks_in_a_dialog_then_the_merchant_sees_disabled_forms(app, logged_in, make_store, make_admin):
    store = make_store("alpha")
    admin = logged_in(make_admin()[0])
    admin.goto(f"/platform/tenants/{store.tenant_id}")
    admin.fill("input[name=reason]", "Fake goods")
    admin.click("button:has-text('Suspend the store')")
    dialog = admin.locator("dialog#kd-confirm")
    assert dialog.is_visible() and "Suspend Alpha?" in dialog.inner_text()
    dialog.locator("button[value=cancel]").click()
    assert not dialog.is_visible()
    assert _status(app, store.tenant_id) == TenantStatus.TRIAL  # cancelled: nothing happened

    admin.click("button:has-text('Suspend the store')")
    with admin.expect_navigation():
        dialog.locator("[data-confirm-ok]").click()
    assert admin.get_by_text("Store suspended.").is_visible()
    assert _status(app, store.tenant_id) == TenantStatus.SUSPENDED

    merchant = logged_in(store.login)
    merchant.goto("/admin/profile")
    assert merchant.get_by_text("This store is suspended: Fake goods.").is_visible()
    assert merchant.locator("input[name=name]").is_disabled()
    assert merchant.locator("main button[type=submit]").first.is_disabled()
    # a submit that still arrives (the form enabled by hand, as an old tab would send it)
    merchant.evaluate("document.querySelector('fieldset.read-only').disabled = false")
    merchant.fill("input[name=name]", "Changed")
    with merchant.expect_navigation():
        merchant.locator("input[name=name]").press("Enter")
    assert merchant.url.endswith("/admin/profile")
    assert merchant.get_by_text("Nothing was saved.").is_visible()
    with app.app_context():
        assert db.session.get(Tenant, store.tenant_id).name == "Alpha"
        db.session.remove()
