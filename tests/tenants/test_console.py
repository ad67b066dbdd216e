"""The platform console: search and filter stores, review licences with a reason the merchant sees."""

import io

import pytest

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from kaidian.tenants.models import Qualification, ReviewStatus
from tests.conftest import login, post_form

PDF = b"%PDF-1.4\n%%EOF"


@pytest.fixture
def admin(app, make_admin):
    client = app.test_client()
    login(client, make_admin()[0])
    return client


def test_search_and_filter_stores(admin, make_store):
    make_store("apple-shop", plan="pro"), make_store("banana-shop", plan="basic")
    assert "Apple-Shop" in admin.get("/platform/tenants?q=apple").get_data(as_text=True)
    assert "Banana-Shop" not in admin.get("/platform/tenants?q=apple").get_data(as_text=True)
    page = admin.get("/platform/tenants?plan=basic").get_data(as_text=True)
    assert "Banana-Shop" in page and "Apple-Shop" not in page
    assert "Apple-Shop" not in admin.get("/platform/tenants?status=suspended").get_data(as_text=True)


def _upload(client, store):
    login(client, store.login)
    response = post_form(client, "/admin/qualifications",
                         {"kind": "food_licence", "number": "JY123", "file": (io.BytesIO(PDF), "l.pdf")})
    assert response.status_code == 302
    return response


def _only_qualification(app):
    with app.app_context(), all_tenants():
        row = db.session.execute(db.select(Qualification)).scalar_one()
        db.session.expunge(row)
        return row


def test_reject_with_a_reason_the_merchant_sees(app, admin, client, make_store):
    store = make_store("food-shop", categories=["food"])
    _upload(client, store)
    row = _only_qualification(app)
    assert "JY123" in admin.get(f"/platform/tenants/{store.tenant_id}").get_data(as_text=True)
    url = f"/platform/tenants/{store.tenant_id}/qualifications/{row.id}/review"
    post_form(admin, url, {"decision": "reject", "reason": "", "confirmed": "1"})
    assert _only_qualification(app).status == ReviewStatus.PENDING  # a rejection needs a reason
    post_form(admin, url, {"decision": "reject", "reason": "Blurred photo", "confirmed": "1"})
    assert _only_qualification(app).status == ReviewStatus.REJECTED
    assert "Blurred photo" in client.get("/admin/qualifications").get_data(as_text=True)


def test_approve(app, admin, client, make_store):
    store = make_store("food-shop", categories=["food"])
    _upload(client, store)
    row = _only_qualification(app)
    post_form(admin, f"/platform/tenants/{store.tenant_id}/qualifications/{row.id}/review", {"decision": "approve"})
    assert _only_qualification(app).status == ReviewStatus.APPROVED
    assert admin.get(f"/platform/tenants/{store.tenant_id}/qualifications/{row.id}/file").data == PDF


def test_food_store_is_asked_for_a_food_licence(client, make_store):
    store = make_store("food-shop", categories=["food"])
    login(client, store.login)
    page = client.get("/admin/").get_data(as_text=True)
    assert page.count('class="badge missing"') == 2  # business licence and food licence


def test_review_queue_lists_pending(app, admin, client, make_store):
    store = make_store("food-shop", categories=["food"])
    _upload(client, store)
    assert "Food-Shop" in admin.get("/platform/qualifications").get_data(as_text=True)


def test_merchant_cannot_delete_an_approved_licence(app, admin, client, make_store):
    store = make_store("food-shop", categories=["food"])
    _upload(client, store)
    row = _only_qualification(app)
    post_form(admin, f"/platform/tenants/{store.tenant_id}/qualifications/{row.id}/review", {"decision": "approve"})
    post_form(client, f"/admin/qualifications/{row.id}/delete")
    assert _only_qualification(app).status == ReviewStatus.APPROVED


def test_a_rejection_is_confirmed_first(app, admin, client, make_store):
    store = make_store("food-shop", categories=["food"])
    _upload(client, store)
    row = _only_qualification(app)
    url = f"/platform/tenants/{store.tenant_id}/qualifications/{row.id}/review"
    page = post_form(admin, url, {"decision": "reject", "reason": "Blurred photo"}, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Reject this licence of Food-Shop?" in html
    assert 'name="reason" value="Blurred photo"' in html and 'name="confirmed" value="1"' in html
    assert _only_qualification(app).status == ReviewStatus.PENDING  # nothing changed yet
    post_form(admin, url, {"decision": "approve"})  # approving needs no confirmation
    assert _only_qualification(app).status == ReviewStatus.APPROVED
