"""The component authorization flow against the sandbox over HTTP: bind, show, revoke, re-authorize,
missing permission sets, a broken refresh token, and one appid per store."""

from urllib.parse import parse_qs, urlsplit

from kaidian.wechat.models import Authorizer, AuthorizerStatus
from tests.conftest import api_token, login

from .helpers import (
    MINI_PROGRAM,
    SERVICE_OA,
    SUBSCRIPTION_OA,
    authorize,
    english,
    follow_wechat,
    local_path,
    rows,
    seal_push,
    snapshot,
    start_authorization,
)


def _page(client, path="/admin/wechat/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_pc_authorization_page_is_wechats_with_a_return_url(sandbox, merchant):
    url = start_authorization(merchant)
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert url.startswith(sandbox.base_url + "/cgi-bin/componentloginpage?")
    assert query["component_appid"] == "wxsandboxcomponent01" and query["auth_type"] == "1"
    assert query["pre_auth_code"] and query["redirect_uri"].startswith("http://localhost/admin/wechat/callback?state=")
    assert sandbox.count("api_create_preauthcode") == 1


def test_inside_wechat_the_mobile_authorization_page_is_used(sandbox, merchant):
    merchant.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"
    url = start_authorization(merchant, kind="mini_program")
    assert url.startswith(sandbox.base_url + "/safe/bindcomponent?action=bindcomponent&no_scan=1&")
    assert url.endswith("#wechat_redirect") and "auth_type=2" in url


def test_authorizing_an_official_account_binds_it_with_its_details(app, sandbox, merchant, alpha):
    response = authorize(merchant, SERVICE_OA)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/wechat/")
    [row] = rows(app, Authorizer)
    assert (row.tenant_id, row.appid, row.kind.value, row.status) == (alpha.tenant_id, SERVICE_OA, "official_account",
                                                                      AuthorizerStatus.AUTHORIZED)
    assert (row.nick_name, row.user_name) == ("开店示范服务号", "gh_5a4db0c00001")
    assert row.principal_name == "开店示范科技有限公司"
    assert row.head_img.endswith(f"/sandbox/img/{SERVICE_OA}.png")
    assert (row.service_type, row.verify_type) == (2, 0)
    assert row.func_id_list == [1, 2, 3, 4, 7, 11, 15, 24, 33]
    page = _page(merchant)
    for text in ("开店示范服务号", "Service account", "Verified", "开店示范科技有限公司", "Custom menu",
                 "Web pages (shopper login)", 'data-status="authorized"'):
        assert text in page, text
    assert "Missing permission sets" not in page


def test_the_push_and_the_return_url_exchange_the_code_once(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    assert sandbox.count("api_query_auth") == 1
    assert sandbox.count("api_get_authorizer_info") == 1
    assert sandbox.last_push("authorized")["answered_success"]
    assert len(rows(app, Authorizer)) == 1


def test_a_replayed_authorized_push_changes_nothing(app, wechat_env, sandbox, merchant):
    import requests

    authorize(merchant, SERVICE_OA)
    payload = sandbox.last_push("authorized")["payload"]
    before, calls = snapshot(app), sandbox.counts()
    body, query = seal_push(payload)
    response = requests.post(wechat_env.platform_url + "/wechat/component/events", params=query, data=body, timeout=10)
    assert (response.status_code, response.text) == (200, "success")
    assert snapshot(app) == before and sandbox.counts() == calls


def test_an_unverified_subscription_account_shows_as_such(app, sandbox, merchant):
    authorize(merchant, SUBSCRIPTION_OA)
    page = _page(merchant)
    assert "Subscription account" in page and "Not verified" in page and "小王的订阅号" in page


def test_a_mini_program_is_bound_as_one(app, sandbox, merchant):
    authorize(merchant, MINI_PROGRAM, kind="mini_program")
    [row] = rows(app, Authorizer)
    assert row.kind.value == "mini_program" and row.nick_name == "开店示范商城"
    assert "Development management and data analysis" in _page(merchant)


def test_a_missing_permission_set_is_warned_and_publishing_the_menu_is_refused(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA, funcs="1,2,3,4")
    page = _page(merchant)
    assert "Missing permission sets Kaidian needs: Custom menu." in page and "Authorize again" in page
    [row] = rows(app, Authorizer)
    response = merchant.post(f"/api/v1/wechat/authorizers/{row.id}/menu/publish",
                             headers=api_token(app.test_client(), "alpha@example.com"))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "wechat_48001" and "Custom menu" in error["message"]
    assert sandbox.count("menu_create") == 1
    assert sandbox.state()["menus"] == {}


def test_revoking_in_wechat_unbinds_and_asks_to_authorize_again(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    push = sandbox.revoke(SERVICE_OA)["push"]
    assert push["answered_success"], push
    [row] = rows(app, Authorizer)
    assert row.status == AuthorizerStatus.UNAUTHORIZED and row.refresh_token_encrypted == ""
    page = _page(merchant)
    assert 'data-status="unauthorized"' in page and "Authorize it again" in page and "Authorize again" in page


def test_authorizing_again_updates_the_same_record(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA, funcs="1,4")
    [first] = rows(app, Authorizer)
    sandbox.revoke(SERVICE_OA)
    url = start_authorization(merchant, appid=SERVICE_OA)
    assert f"biz_appid={SERVICE_OA}" in url and "auth_type" not in url
    authorize(merchant, SERVICE_OA, appid=SERVICE_OA)
    [again] = rows(app, Authorizer)
    assert again.id == first.id and again.status == AuthorizerStatus.AUTHORIZED
    assert 15 in again.func_id_list and again.authorized_at >= first.authorized_at


def test_a_refresh_token_wechat_refuses_marks_the_authorizer_broken(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    sandbox.post("/sandbox/expire_tokens")
    with app.app_context():
        from kaidian.wechat import tokens

        tokens.forget_authorizer_token(SERVICE_OA)
    sandbox.fault("api_authorizer_token", errcode=61023)
    response = merchant.post(f"/api/v1/wechat/authorizers/{row.id}/menu/publish",
                             headers=api_token(app.test_client(), "alpha@example.com"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_61023"
    [row] = rows(app, Authorizer)
    assert row.status == AuthorizerStatus.BROKEN
    page = _page(merchant)
    assert 'data-status="broken"' in page and "Authorize again" in page
    assert sandbox.count("menu_create") == 0


def test_the_same_account_cannot_be_bound_to_a_second_store(app, sandbox, merchant, alpha, bravo):
    authorize(merchant, SERVICE_OA)
    other = english(app.test_client())
    login(other, bravo.login)
    before = [(r.tenant_id, r.appid, r.status) for r in rows(app, Authorizer)]
    response = authorize(other, SERVICE_OA)
    assert response.status_code == 302
    page = _page(other)
    assert "already bound to another store" in page
    assert [(r.tenant_id, r.appid, r.status) for r in rows(app, Authorizer)] == before
    assert rows(app, Authorizer, tenant_id=bravo.tenant_id) == []


def test_a_return_url_from_another_store_is_refused(app, sandbox, merchant, bravo):
    other = english(app.test_client())
    login(other, bravo.login)
    url = start_authorization(other)
    back = follow_wechat(url, sandbox_appid=SERVICE_OA)
    response = merchant.get(local_path(back))  # alpha's owner opens bravo's return URL
    assert response.status_code == 302
    assert "expired or belongs to another store" in _page(merchant)
    assert rows(app, Authorizer, tenant_id=bravo.tenant_id)  # bound by WeChat's push, for bravo only


def test_only_members_with_wechat_manage_may_authorize(app, sandbox, alpha):
    from kaidian.platform import accounts
    from kaidian.platform.extensions import db
    from kaidian.platform.models import Membership, Role
    from kaidian.platform.tenancy import tenant_context

    with app.app_context(), tenant_context(alpha.tenant_id):
        user = accounts.create_user("clerk@example.com", "goodpass123")
        db.session.flush()
        db.session.add(Membership(tenant_id=alpha.tenant_id, user_id=user.id, role=Role.STAFF))
        db.session.commit()
    clerk = english(app.test_client())
    login(clerk, "clerk@example.com")
    from tests.conftest import post_form

    assert post_form(clerk, "/admin/wechat/authorize", {"kind": "official_account"}).status_code == 403
    assert "Authorize Official Account" not in _page(clerk)
    assert sandbox.count("api_create_preauthcode") == 0


def test_the_api_lists_accounts_and_starts_an_authorization(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA, funcs="1,4")
    headers = api_token(app.test_client(), "alpha@example.com")
    [item] = merchant.get("/api/v1/wechat/authorizers", headers=headers).get_json()
    assert item["appid"] == SERVICE_OA and item["is_service_account"] and item["is_verified"]
    assert [s["id"] for s in item["func_sets"]] == [1, 4]
    assert item["missing_func_sets"] == [{"id": 15, "name": "Custom menu"}]
    response = merchant.post("/api/v1/wechat/authorizations", json={"kind": "official_account"}, headers=headers)
    assert response.status_code == 201 and "/cgi-bin/componentloginpage?" in response.get_json()["url"]


def test_without_the_push_the_return_url_alone_binds_the_account(app, wechat_env, sandbox, merchant, alpha):
    config = wechat_env.server.app.config["SANDBOX"]
    event_url, config["PLATFORM_EVENT_URL"] = config["PLATFORM_EVENT_URL"], ""
    try:
        authorize(merchant, SERVICE_OA)
    finally:
        config["PLATFORM_EVENT_URL"] = event_url
    assert sandbox.last_push("authorized")["error"] == "no URL configured"
    [row] = rows(app, Authorizer)
    assert (row.tenant_id, row.status) == (alpha.tenant_id, AuthorizerStatus.AUTHORIZED)
    assert sandbox.count("api_query_auth") == 1


def test_a_replayed_unauthorized_push_changes_nothing(app, wechat_env, sandbox, merchant):
    import requests

    authorize(merchant, SERVICE_OA)
    sandbox.revoke(SERVICE_OA)
    before = snapshot(app)
    body, query = seal_push(sandbox.last_push("unauthorized")["payload"])
    response = requests.post(wechat_env.platform_url + "/wechat/component/events", params=query, data=body, timeout=10)
    assert (response.status_code, response.text) == (200, "success")
    assert snapshot(app) == before


def test_a_mini_programs_permission_sets_carry_their_official_names(app, sandbox, merchant):
    # given a mini program granting only 17 (mini program codes) and 30 (basic information)
    authorize(merchant, MINI_PROGRAM, funcs="17,30", kind="mini_program")
    headers = api_token(app.test_client(), "alpha@example.com")
    [item] = merchant.get("/api/v1/wechat/authorizers", headers=headers).get_json()
    # then they are named as WeChat's list names them, and the missing set is code management (18)
    assert item["func_sets"] == [{"id": 17, "name": "Mini program codes (QR)"},
                                 {"id": 30, "name": "Mini program basic information"}]
    assert item["missing_func_sets"] == [{"id": 18, "name": "Development management and data analysis"}]
