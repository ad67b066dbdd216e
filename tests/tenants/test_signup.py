"""Signing up a store: what works, and every refusal with its field error, changing nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kaidian.billing import services as billing
from kaidian.platform.extensions import db
from kaidian.platform.models import Membership, Role, Tenant, TenantStatus, User, utcnow
from kaidian.platform.tenancy import all_tenants
from tests.conftest import post_form

GOOD = {"login": "owner@example.com", "password": "goodpass123", "store_name": "Good Shop",
        "slug": "good-shop", "plan": "pro"}


def _counts(app):
    with app.app_context(), all_tenants():
        return tuple(db.session.execute(select(func.count()).select_from(m)).scalar()
                     for m in (User, Tenant, Membership))


def test_signup_page_lands_in_the_admin_in_a_trial_of_the_chosen_plan(app, client):
    response = post_form(client, "/signup", GOOD)
    assert response.status_code == 302 and response.location.endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Good Shop" in page
    with app.app_context():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == "good-shop")).scalar_one()
        assert (tenant.plan, tenant.status) == ("pro", TenantStatus.TRIAL)
        trial_ends_at = billing.dates_of(tenant)["trial_ends_at"]
        assert timedelta(days=6, hours=23) < trial_ends_at - utcnow() <= timedelta(days=7)
        with all_tenants():
            owner = db.session.execute(select(Membership).where(Membership.tenant_id == tenant.id)).scalar_one()
        assert owner.role == Role.OWNER


def test_signup_with_a_mobile_number(app, client):
    response = client.post("/api/v1/signup", json={**GOOD, "login": "13800138000"})
    assert response.status_code == 201
    assert response.get_json()["slug"] == "good-shop"


@pytest.mark.parametrize("change, field", [
    ({"slug": "ab"}, "slug"),
    ({"slug": "a" * 31}, "slug"),
    ({"slug": "Good-Shop"}, "slug"),
    ({"slug": "good_shop"}, "slug"),
    ({"slug": "-good"}, "slug"),
    ({"slug": "admin"}, "slug"),
    ({"slug": "www"}, "slug"),
    ({"slug": "platform"}, "slug"),
    ({"password": "short1"}, "password"),
    ({"password": "onlyletters"}, "password"),
    ({"password": "12345678"}, "password"),
    ({"login": "not-an-email"}, "login"),
    ({"login": "1380013800"}, "login"),
    ({"plan": "gold"}, "plan"),
    ({"store_name": "x"}, "store_name"),
])
def test_signup_refusals_name_the_field_and_create_nothing(app, client, change, field):
    before = _counts(app)
    response = client.post("/api/v1/signup", json={**GOOD, **change})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert _counts(app) == before


@pytest.mark.parametrize("change, field", [({"slug": "taken"}, "slug"), ({"login": "first@example.com"}, "login")])
def test_duplicates_are_refused(app, client, make_store, change, field):
    make_store("taken", login="first@example.com")
    before = _counts(app)
    response = client.post("/api/v1/signup", json={**GOOD, **change})
    assert response.status_code == 409 and field in response.get_json()["error"]["fields"]  # taken: a conflict
    assert _counts(app) == before


def test_signup_form_shows_field_errors_in_the_page(app, client):
    response = post_form(client, "/signup", {**GOOD, "slug": "admin", "password": "weak"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count('class="field-error"') >= 2


def test_email_login_is_case_insensitive_and_unique(app, client, make_store):
    make_store("alpha", login="Mixed@Example.com")
    response = client.post("/api/v1/signup", json={**GOOD, "login": "mixed@example.COM"})
    assert response.status_code == 409 and "login" in response.get_json()["error"]["fields"]
