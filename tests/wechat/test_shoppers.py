"""Shopper login through the store's official account (component OAuth) and the store's customers."""

import pytest

from kaidian.customers.models import Customer
from tests.conftest import login

from .helpers import SECOND_OA, SERVICE_OA, authorize, english, follow_wechat, local_path, rows, shopper_login, snapshot

ALPHA, BRAVO = "alpha.localhost", "bravo.localhost"


@pytest.fixture
def stores(app, sandbox, merchant, bravo):
    """alpha bound to the first service account, bravo to the second one of the same principal."""
    authorize(merchant, SERVICE_OA)
    other = app.test_client()
    login(other, bravo.login)
    authorize(other, SECOND_OA)


def test_the_login_redirect_is_wechats_oauth_page_for_the_stores_account(app, sandbox, stores):
    response = app.test_client().get("/wechat/login?next=/member&scope=userinfo", base_url=f"http://{ALPHA}")
    location = response.headers["Location"]
    assert location.startswith(sandbox.base_url + "/connect/oauth2/authorize?")
    assert f"appid={SERVICE_OA}" in location and "scope=snsapi_userinfo" in location
    assert "component_appid=wxsandboxcomponent01" in location and location.endswith("#wechat_redirect")
    assert "redirect_uri=http%3A%2F%2Falpha.localhost%2Fwechat%2Foauth%2Fcallback" in location


def test_a_shopper_logs_in_and_becomes_the_stores_customer(app, sandbox, stores, alpha):
    shopper = app.test_client()
    response = shopper_login(shopper, ALPHA, "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/member"
    page = shopper.get("/member", base_url=f"http://{ALPHA}")
    assert page.status_code == 200 and "小爱" in page.get_data(as_text=True)
    [customer] = rows(app, Customer)
    assert (customer.tenant_id, customer.authorizer_appid, customer.nickname) == (alpha.tenant_id, SERVICE_OA, "小爱")
    assert customer.openid.startswith("o") and customer.unionid and customer.avatar.endswith("user-alice.png")
    with shopper.session_transaction(base_url=f"http://{ALPHA}") as session:
        assert "_user_id" not in session and session["kd_customer"]["id"] == str(customer.id)


def test_logging_in_again_finds_the_same_customer(app, sandbox, stores):
    shopper_login(app.test_client(), ALPHA, "alice")
    [first] = rows(app, Customer)
    shopper_login(app.test_client(), ALPHA, "alice", scope="base")
    [again] = rows(app, Customer)
    assert again.id == first.id and again.nickname == "小爱" and again.last_login_at >= first.last_login_at


def test_one_shopper_in_two_stores_is_two_customers_with_one_unionid(app, sandbox, stores, alpha, bravo):
    shopper_login(app.test_client(), ALPHA, "bob")
    shopper_login(app.test_client(), BRAVO, "bob")
    shopper_login(app.test_client(), ALPHA, "carol")
    in_alpha = {c.nickname: c for c in rows(app, Customer, tenant_id=alpha.tenant_id)}
    [in_bravo] = rows(app, Customer, tenant_id=bravo.tenant_id)
    assert set(in_alpha) == {"老包", "卡萝"} and in_bravo.nickname == "老包"
    assert in_alpha["老包"].openid != in_bravo.openid
    assert in_alpha["老包"].unionid == in_bravo.unionid
    assert in_alpha["卡萝"].unionid != in_bravo.unionid
    assert in_bravo.authorizer_appid == SECOND_OA


def test_the_silent_login_keeps_the_openid_and_the_member_page_asks_for_the_profile(app, sandbox, stores):
    shopper = app.test_client()
    response = shopper_login(shopper, ALPHA, "carol", next_path="/", scope="base")
    assert response.headers["Location"] == "/"
    [customer] = rows(app, Customer)
    # a silent (snsapi_base) login gives the openid only: WeChat returns no unionid for that scope
    assert customer.openid and customer.nickname == "" and customer.unionid == ""
    assert sandbox.count("sns_userinfo") == 0
    # the member page opens as is, and offers the profile prompt only as the shopper's choice
    member = english(shopper, ALPHA).get("/member", base_url=f"http://{ALPHA}")
    assert member.status_code == 200
    page = member.get_data(as_text=True)
    assert "Show my WeChat nickname and avatar" in page and "scope=userinfo" in page
    assert sandbox.count("sns_userinfo") == 0


def test_the_member_page_logs_in_silently_never_with_the_profile_prompt(app, sandbox, stores):
    response = app.test_client().get("/member", base_url=f"http://{ALPHA}")
    assert response.status_code == 302 and "userinfo" not in response.headers["Location"]
    start = app.test_client().get("/wechat/login?next=/member", base_url=f"http://{ALPHA}")
    assert "scope=snsapi_base" in start.headers["Location"]


def test_a_snapshot_mode_virtual_user_is_never_saved(app, sandbox, stores):
    shopper = english(app.test_client(), ALPHA)
    before = snapshot(app)
    start = shopper.get("/wechat/login?next=/member&scope=userinfo", base_url=f"http://{ALPHA}")
    back = local_path(follow_wechat(start.headers["Location"], sandbox_snapshot="1"))
    response = shopper.get(back, base_url=f"http://{ALPHA}")
    assert response.status_code == 403 and "Use full service" in response.get_data(as_text=True)
    assert rows(app, Customer) == [] and snapshot(app) == before
    assert sandbox.count("sns_userinfo") == 0
    assert shopper.get("/member", base_url=f"http://{ALPHA}").status_code == 302  # nobody is logged in


def test_a_callback_with_a_forged_or_foreign_state_logs_nobody_in(app, sandbox, stores):
    shopper = app.test_client()
    start = shopper.get("/wechat/login?next=/member", base_url=f"http://{ALPHA}").headers["Location"]
    back = local_path(follow_wechat(start, sandbox_user="alice"))
    before = snapshot(app)
    forged = back.replace("state=", "state=0")
    assert shopper.get(forged, base_url=f"http://{ALPHA}").status_code == 400
    stranger = app.test_client()  # a session that never started this login
    assert stranger.get(back, base_url=f"http://{ALPHA}").status_code == 400
    assert snapshot(app) == before


def test_a_state_from_another_store_is_refused(app, sandbox, stores):
    shopper = app.test_client()
    start = shopper.get("/wechat/login?next=/member", base_url=f"http://{ALPHA}").headers["Location"]
    back = local_path(follow_wechat(start, sandbox_user="alice"))
    assert shopper.get(back, base_url=f"http://{BRAVO}").status_code == 400
    assert rows(app, Customer) == []


def test_a_login_of_one_store_is_not_a_login_of_another(app, sandbox, stores):
    shopper = app.test_client()
    shopper_login(shopper, ALPHA, "alice")
    assert shopper.get("/member", base_url=f"http://{BRAVO}").status_code == 302


def test_a_store_without_an_official_account_says_so(app, sandbox, alpha):
    response = english(app.test_client(), ALPHA).get("/wechat/login", base_url=f"http://{ALPHA}")
    assert response.status_code == 409
    assert "no authorized WeChat official account" in response.get_data(as_text=True)


def test_an_unsafe_next_is_replaced_by_the_home_page(app, sandbox, stores):
    shopper = app.test_client()
    response = shopper_login(shopper, ALPHA, "alice", next_path="//evil.example.com/", scope="base")
    assert response.headers["Location"] == "/"


def test_store_pages_are_not_served_on_the_platform_host(app):
    assert app.test_client().get("/member").status_code == 404


CUSTOM = "shop.alpha-brand.cn"


def _connect_custom_domain(app, alpha, host: str = CUSTOM) -> None:
    """A verified custom domain for alpha (the domain check itself is tested in tests/tenants)."""
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Domain, utcnow

    with app.app_context():
        db.session.add(Domain(host=host, tenant_id=alpha.tenant_id, verified_at=utcnow()))
        db.session.commit()


def test_a_store_on_a_custom_domain_logs_in_on_its_own_subdomain_and_hands_the_login_back(app, sandbox, stores,
                                                                                        alpha):
    # given alpha also answers on its custom domain, which is not WeChat's web-authorization domain
    _connect_custom_domain(app, alpha)
    shopper = app.test_client()
    # when a shopper logs in from the custom domain
    start = shopper.get("/wechat/login?next=/member", base_url=f"http://{CUSTOM}")
    assert start.status_code == 302 and start.headers["Location"].startswith(f"http://{ALPHA}/wechat/login?")
    to_wechat = shopper.get(local_path(start.headers["Location"]), base_url=f"http://{ALPHA}")
    assert "redirect_uri=http%3A%2F%2Falpha.localhost%2Fwechat%2Foauth%2Fcallback" in to_wechat.headers["Location"]
    back = local_path(follow_wechat(to_wechat.headers["Location"], sandbox_user="alice"))
    handed = shopper.get(back, base_url=f"http://{ALPHA}")
    assert handed.status_code == 302 and handed.headers["Location"].startswith(f"http://{CUSTOM}/wechat/handoff?token=")
    handoff = local_path(handed.headers["Location"])
    landed = shopper.get(handoff, base_url=f"http://{CUSTOM}")
    # then the shopper is logged in on the custom domain
    assert landed.status_code == 302 and landed.headers["Location"] == "/member"
    assert shopper.get("/member", base_url=f"http://{CUSTOM}").status_code == 200
    # and the token works once only, and only for its own store
    assert app.test_client().get(handoff, base_url=f"http://{CUSTOM}").status_code == 400
    assert len(rows(app, Customer)) == 1


def test_a_handoff_to_another_stores_host_is_ignored(app, sandbox, stores, alpha):
    shopper = app.test_client()
    start = shopper.get("/wechat/login?next=/member&back=bravo.localhost", base_url=f"http://{ALPHA}")
    back = local_path(follow_wechat(start.headers["Location"], sandbox_user="alice"))
    response = shopper.get(back, base_url=f"http://{ALPHA}")
    assert response.status_code == 302 and response.headers["Location"] == "/member"


def test_a_forged_handoff_token_logs_nobody_in(app, sandbox, stores, alpha):
    _connect_custom_domain(app, alpha)
    shopper = app.test_client()
    response = shopper.get("/wechat/handoff?token=forged", base_url=f"http://{CUSTOM}")
    assert response.status_code == 400
    assert shopper.get("/member", base_url=f"http://{CUSTOM}").status_code == 302


WECHAT_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI"


def test_inside_wechat_a_guest_logs_in_through_the_stores_account_elsewhere_by_mobile(app, sandbox, stores):
    guest = app.test_client()
    in_wechat = guest.get("/member", base_url=f"http://{ALPHA}", headers={"User-Agent": WECHAT_UA})
    assert in_wechat.headers["Location"] == "/wechat/login?next=/member"
    in_safari = guest.get("/member", base_url=f"http://{ALPHA}", headers={"User-Agent": "Mozilla/5.0 Safari"})
    assert in_safari.headers["Location"] == "/account/login?next=%2Fmember"


def test_inside_wechat_a_store_without_an_official_account_logs_in_by_mobile(app, sandbox, make_store):
    make_store("charlie", plan="pro")
    response = app.test_client().get("/member", base_url="http://charlie.localhost", headers={"User-Agent": WECHAT_UA})
    assert response.headers["Location"] == "/account/login?next=%2Fmember"
