"""WeChat fidelity: refresh-token recovery and rotation, errors only an operator can fix (61004, 45009)
with alerts and the quota reset, frozen accounts refused, and the sandbox behaving like WeChat where the
platform depends on it (12-hour tickets, the newer ``access_token`` query name)."""

from __future__ import annotations

import requests

from kaidian.platform.cache import get_cache
from kaidian.platform.secrets import decrypt_secret, encrypt_secret
from kaidian.platform.tenancy import tenant_context
from kaidian.wechat import alerts, tokens
from kaidian.wechat.models import Authorizer, AuthorizerStatus
from tests.conftest import api_token, login

from .helpers import COMPONENT_APPID, SERVICE_OA, authorize, english, rows, snapshot, start_authorization

FROZEN_OA = "wx5a4db0c000000006"


def _publish(app, merchant, authorizer_id):
    headers = api_token(app.test_client(), "alpha@example.com")
    return merchant.post(f"/api/v1/wechat/authorizers/{authorizer_id}/menu/publish", headers=headers)


def _forget_access_token(app, sandbox):
    sandbox.post("/sandbox/expire_tokens")
    with app.app_context():
        tokens.forget_authorizer_token(SERVICE_OA)


def _store_refresh_token(app, row, value: str):
    with app.app_context(), tenant_context(row.tenant_id):
        from kaidian.platform.extensions import db

        live = db.session.get(Authorizer, (row.tenant_id, row.id))
        live.refresh_token_encrypted = encrypt_secret(value) if value else ""
        db.session.commit()


# --- refresh tokens ---------------------------------------------------------------------------------


def test_a_lost_refresh_token_is_recovered_from_the_authorizer_list(app, sandbox, merchant):
    # given a bound account whose stored refresh token is stale, and no cached access token
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    _store_refresh_token(app, row, "refreshtoken@@@stale")
    _forget_access_token(app, sandbox)
    # when the merchant publishes the menu
    response = _publish(app, merchant, row.id)
    # then the token was recovered through api_get_authorizer_list, stored, and the call went through
    assert response.status_code == 200, response.get_json()
    assert sandbox.count("api_get_authorizer_list") == 1 and sandbox.count("menu_create") == 1
    [row] = rows(app, Authorizer)
    assert row.status == AuthorizerStatus.AUTHORIZED
    current = sandbox.state()["authorizers"][SERVICE_OA]["refresh_token"]
    with app.app_context():
        assert decrypt_secret(row.refresh_token_encrypted) == current


def test_a_missing_refresh_token_is_recovered_too(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    _store_refresh_token(app, row, "")
    _forget_access_token(app, sandbox)
    assert _publish(app, merchant, row.id).status_code == 200
    # (the component token had expired too: the list call is retried once after refreshing it)
    assert sandbox.count("api_get_authorizer_list") >= 1 and sandbox.count("menu_create") == 1


def test_when_wechat_has_no_token_either_the_account_is_marked_broken(app, sandbox, merchant):
    # given WeChat itself no longer lists the account (cancelled without a push reaching us)
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    _forget_access_token(app, sandbox)
    requests.post(sandbox.base_url + "/sandbox/revoke", json={"appid": SERVICE_OA}, timeout=10)
    with app.app_context(), tenant_context(row.tenant_id):  # the unauthorized push was "lost": undo it
        from kaidian.platform.extensions import db

        live = db.session.get(Authorizer, (row.tenant_id, row.id))
        live.status, live.refresh_token_encrypted = AuthorizerStatus.AUTHORIZED, encrypt_secret("refreshtoken@@@old")
        db.session.commit()
    response = _publish(app, merchant, row.id)
    assert response.status_code == 409
    [row] = rows(app, Authorizer)
    assert row.status == AuthorizerStatus.BROKEN
    assert sandbox.count("menu_create") == 0


def test_authorizing_again_rotates_the_refresh_token(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    first = sandbox.state()["authorizers"][SERVICE_OA]["refresh_token"]
    authorize(merchant, SERVICE_OA, appid=SERVICE_OA)
    second = sandbox.state()["authorizers"][SERVICE_OA]["refresh_token"]
    assert first != second
    [row] = rows(app, Authorizer)
    with app.app_context():
        assert decrypt_secret(row.refresh_token_encrypted) == second
    # and the old one is refused by WeChat
    with app.app_context():
        answer = tokens.client().request(
            "POST", "/cgi-bin/component/api_authorizer_token",
            params={"component_access_token": tokens.component_token()},
            body={"component_appid": COMPONENT_APPID, "authorizer_appid": SERVICE_OA,
                  "authorizer_refresh_token": second})
        assert answer["authorizer_refresh_token"] == second
    old = requests.post(sandbox.base_url + "/cgi-bin/component/api_authorizer_token",
                        params={"component_access_token": _component_token(app)},
                        json={"component_appid": COMPONENT_APPID, "authorizer_appid": SERVICE_OA,
                              "authorizer_refresh_token": first}, timeout=10).json()
    assert old["errcode"] == 61023


def _component_token(app) -> str:
    with app.app_context():
        return tokens.component_token()


# --- errors only an operator can fix ---------------------------------------------------------------


def test_a_daily_quota_error_is_not_retried_and_alerts_the_operator(app, sandbox, merchant, make_admin):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    sandbox.fault("menu_create", errcode=45009, count=5)
    response = _publish(app, merchant, row.id)
    assert response.status_code == 502 and response.get_json()["error"]["code"] == "wechat_45009"
    assert "daily" in response.get_json()["error"]["message"]
    assert sandbox.count("menu_create") == 1
    with app.app_context():
        [alert] = alerts.open_alerts()
    assert alert["kind"] == "daily_quota" and alert["subject"] == SERVICE_OA and alert["count"] == 1
    # the console shows it with the reset, which calls clear_quota and resolves the alert
    admin = english(app.test_client())
    make_admin()
    login(admin, "root@example.com")
    page = admin.get("/platform/wechat/").get_data(as_text=True)
    assert SERVICE_OA in page and "Reset quota (0 of 10 used this month)" in page
    from tests.conftest import post_form

    assert post_form(admin, "/platform/wechat/alerts/clear-quota", {"subject": SERVICE_OA}).status_code == 302
    assert sandbox.count("clear_quota") == 1
    with app.app_context():
        assert alerts.open_alerts() == []


def test_the_quota_reset_stops_at_wechats_monthly_limit(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    sandbox.fault("clear_quota", errcode=48006)
    with app.app_context():
        from kaidian.wechat import quota

        try:
            quota.clear_quota(SERVICE_OA)
        except quota.ClearQuotaUsedUp as error:
            assert "10" in str(error.message)
        else:
            raise AssertionError("the reset should be refused")
        assert quota.clears_this_month(SERVICE_OA) == quota.CLEARS_PER_MONTH


def test_a_server_ip_outside_the_whitelist_tells_the_operator_what_to_do(app, sandbox, merchant):
    before = snapshot(app)
    sandbox.fault("api_create_preauthcode", errcode=61004)
    response = merchant.post("/admin/wechat/authorize", data={"kind": "official_account",
                                                              "csrf_token": _csrf(merchant)})
    assert response.status_code == 302
    page = merchant.get("/admin/wechat/").get_data(as_text=True)
    assert "IP whitelist" in page
    with app.app_context():
        [alert] = alerts.open_alerts()
        get_cache().delete(alerts._key())
    assert alert["kind"] == "ip_whitelist" and alert["subject"] == COMPONENT_APPID
    assert sandbox.count("api_create_preauthcode") == 1
    assert snapshot(app) == before


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/admin/wechat/")


def test_a_frozen_account_is_refused_with_a_clear_reason(app, sandbox, merchant):
    before = snapshot(app)
    response = authorize(merchant, FROZEN_OA)
    assert response.status_code == 302
    page = merchant.get("/admin/wechat/").get_data(as_text=True)
    assert "cancelled, banned or frozen" in page
    assert rows(app, Authorizer) == []
    after = snapshot(app)
    assert after == before


# --- the sandbox behaves like WeChat ------------------------------------------------------------------


def test_a_ticket_stays_valid_for_twelve_hours_after_later_pushes(app, sandbox):
    first = sandbox.push_ticket()
    for _ in range(3):  # later pushes the platform "missed"
        sandbox.post("/sandbox/push_ticket")
    answer = requests.post(sandbox.base_url + "/cgi-bin/component/api_component_token",
                           json={"component_appid": COMPONENT_APPID, "component_appsecret": "sandbox-component-secret",
                                 "component_verify_ticket": first}, timeout=10).json()
    assert answer.get("component_access_token"), answer


def test_the_newer_access_token_query_name_is_accepted(app, sandbox):
    token = _component_token(app)
    answer = requests.post(sandbox.base_url + "/cgi-bin/component/api_create_preauthcode",
                           params={"access_token": token}, json={"component_appid": COMPONENT_APPID},
                           timeout=10).json()
    assert answer.get("pre_auth_code"), answer


def test_the_start_page_url_is_unchanged_by_the_refusal_path(merchant, sandbox):
    assert "componentloginpage" in start_authorization(merchant)
