"""The component flow: ticket, component token, pre-auth code, authorization, refresh, revocation."""

import pytest
from sandbox_helpers import (
    COMPONENT_APPID,
    COMPONENT_SECRET,
    MINI_PROGRAM,
    PUBLIC_BASE,
    REDIRECT,
    SERVICE_OA,
    SUBSCRIPTION_OA,
    query_of,
)

from kaidian.sandbox.runtime import current_sandbox
from kaidian.wechat.crypto import signature

FROZEN_OA = "wx5a4db0c000000006"


def test_ticket_push_reaches_the_platform_encrypted(wechat, receiver):
    # when the sandbox pushes a ticket
    ticket = wechat.push_ticket()
    # then the platform's event URL receives it, signed and sealed for the component appid
    record = receiver.records[-1]
    assert record["path"] == "/wechat/component/events"
    assert record["message"]["InfoType"] == "component_verify_ticket"
    assert record["message"]["ComponentVerifyTicket"] == ticket
    assert record["message"]["AppId"] == COMPONENT_APPID
    assert record["query"]["encrypt_type"] == "aes"
    assert b"<AppId><![CDATA[wxsandboxcomponent01]]></AppId>" in record["body"]
    assert b"ToUserName" not in record["body"]
    # and the sandbox noted that the platform answered "success"
    assert wechat.state()["pushes"][-1]["answered_success"] is True


def test_push_answer_other_than_success_is_recorded(wechat, receiver):
    receiver.reply = "fail"
    wechat.push_ticket()
    assert wechat.state()["pushes"][-1]["answered_success"] is False


def test_api_start_push_ticket_pushes_a_ticket(sandbox_client, receiver):
    body = {"component_appid": COMPONENT_APPID, "component_secret": COMPONENT_SECRET}
    answer = sandbox_client.post("/cgi-bin/component/api_start_push_ticket", json=body).get_json()
    assert answer == {"errcode": 0, "errmsg": "ok"}
    assert receiver.wait_for(InfoType="component_verify_ticket")["ComponentVerifyTicket"].startswith("ticket@@@")


def test_api_start_push_ticket_with_wrong_secret_pushes_nothing(sandbox_client, receiver):
    body = {"component_appid": COMPONENT_APPID, "component_secret": "wrong"}
    answer = sandbox_client.post("/cgi-bin/component/api_start_push_ticket", json=body).get_json()
    assert answer["errcode"] == 40125
    assert receiver.records == []


def test_component_token_with_latest_or_previous_ticket(wechat):
    # given two pushes
    previous, latest = wechat.push_ticket(), wechat.push_ticket()
    # when either ticket is used / then a token is issued
    for ticket in (previous, latest):
        answer = wechat.component_token_response(ticket)
        assert answer["expires_in"] == 7200
        assert answer["component_access_token"]


@pytest.mark.parametrize(
    "change, errcode",
    [
        ({"ticket": "ticket@@@unknown"}, 61006),
        ({"secret": "wrong-secret"}, 40125),
        ({"appid": "wxsomeothercomponent"}, 40013),
        ({"appid": ""}, 41002),
    ],
)
def test_component_token_refused(wechat, change, errcode):
    # given a valid ticket
    ticket = change.get("ticket", wechat.push_ticket())
    # when asked with something wrong
    answer = wechat.component_token_response(
        ticket, secret=change.get("secret", COMPONENT_SECRET), appid=change.get("appid", COMPONENT_APPID)
    )
    # then WeChat's errcode, and no token was issued
    assert answer["errcode"] == errcode
    assert " rid: " in answer["errmsg"]
    assert wechat.state()["component_tokens"] == {}


def test_a_ticket_stays_valid_twelve_hours_whatever_was_pushed_since(wechat, sandbox_app):
    # given a ticket, then three newer pushes the platform may have missed
    first = wechat.push_ticket()
    for _ in range(3):
        wechat.push_ticket()
    # then the first still gives a token, as at WeChat
    assert "component_access_token" in wechat.component_token_response(first)
    # and once it is older than 12 hours it does not
    with sandbox_app.app_context():
        with current_sandbox().state.transaction() as data:
            data["ticket_issued_at"][first] -= 12 * 3600 + 1
    answer = wechat.component_token_response(first)
    assert answer["errcode"] == 61006


def test_component_token_calls_are_counted(wechat):
    ticket = wechat.push_ticket()
    for _ in range(3):
        wechat.component_token_response(ticket)
    state = wechat.state()
    assert state["call_counts"]["api_component_token"] == 3
    assert state["calls"][-1]["params"]["component_verify_ticket"] == ticket


def test_older_component_token_stays_valid_during_the_grace_period(wechat):
    first = wechat.component_token()
    wechat.component_token()
    assert "pre_auth_code" in wechat.call("api_create_preauthcode", first)


@pytest.mark.parametrize(
    "token, errcode", [("not-a-token", 40001), ("", 41001)]
)
def test_create_preauthcode_needs_a_valid_component_token(wechat, token, errcode):
    assert wechat.call("api_create_preauthcode", token)["errcode"] == errcode


def test_expired_component_token_answers_42001(wechat, sandbox_client):
    token = wechat.component_token()
    sandbox_client.post("/sandbox/expire_tokens")
    assert wechat.call("api_create_preauthcode", token)["errcode"] == 42001


def test_pre_auth_code_is_single_use(wechat):
    # given a pre-auth code already used for one authorization
    token = wechat.component_token()
    code = wechat.pre_auth_code(token)
    form = {"component_appid": COMPONENT_APPID, "pre_auth_code": code, "redirect_uri": REDIRECT,
            "auth_type": "1", "appid": SERVICE_OA, "func": ["1"]}
    assert wechat.client.post("/sandbox/authorize", data=form).status_code == 302
    pushes = len(wechat.state()["pushes"])
    # when it is used again (page and confirm)
    page = wechat.client.get("/cgi-bin/componentloginpage", query_string=form)
    again = wechat.client.post("/sandbox/authorize", data=form)
    # then both show WeChat's error page and nothing was pushed
    assert page.status_code == again.status_code == 400
    assert "已被使用" in again.get_data(as_text=True)
    assert len(wechat.state()["pushes"]) == pushes


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"auth_type": "1"}, {SERVICE_OA, SUBSCRIPTION_OA, "wx5a4db0c000000005", FROZEN_OA}),
        ({"auth_type": "2"}, {MINI_PROGRAM, "wx5a4db0c000000004"}),
        ({"auth_type": "3"}, {SERVICE_OA, SUBSCRIPTION_OA, "wx5a4db0c000000005", FROZEN_OA, MINI_PROGRAM,
                              "wx5a4db0c000000004"}),
        ({"auth_type": "2", "biz_appid": SERVICE_OA}, {SERVICE_OA}),
    ],
)
@pytest.mark.parametrize("path", ["/cgi-bin/componentloginpage", "/safe/bindcomponent"])
def test_authorization_page_lists_accounts_per_auth_type(wechat, path, query, expected):
    token = wechat.component_token()
    args = {"component_appid": COMPONENT_APPID, "pre_auth_code": wechat.pre_auth_code(token),
            "redirect_uri": REDIRECT, **query}
    page = wechat.client.get(path, query_string=args).get_data(as_text=True)
    all_accounts = {account for account in wechat.state()["accounts"]}
    listed = {appid for appid in all_accounts if f'name="appid" value="{appid}"' in page}
    assert listed == expected
    assert 'type="checkbox"' in page and "checked" in page
    assert "<link" not in page and "<script" not in page


def test_confirm_pushes_authorized_and_redirects_with_auth_code(wechat, receiver):
    # given a pre-auth code / when the merchant confirms the service account
    token = wechat.component_token()
    response = wechat.confirm(token, SERVICE_OA, funcs=[1, 4, 15])
    # then a 302 to redirect_uri with auth_code and expires_in, keeping its own query
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith("https://shop.example.com/wechat/authorized?")
    assert query["tenant"] == "7" and query["expires_in"] == "600"
    # and the platform was told, with the same code
    event = receiver.wait_for(InfoType="authorized")
    assert event["AuthorizerAppid"] == SERVICE_OA
    assert event["AuthorizationCode"] == query["auth_code"]
    assert int(event["AuthorizationCodeExpiredTime"]) > int(event["CreateTime"])
    assert event["PreAuthCode"].startswith("preauthcode@@@")


def test_authorizing_again_pushes_updateauthorized(wechat, receiver):
    wechat.authorize(SERVICE_OA)
    token = wechat.component_token()
    wechat.confirm(token, SERVICE_OA, funcs=[1])
    assert receiver.wait_for(InfoType="updateauthorized")["AuthorizerAppid"] == SERVICE_OA


def test_autoconfirm_query_for_tests(wechat, receiver):
    token = wechat.component_token()
    args = {"component_appid": COMPONENT_APPID, "pre_auth_code": wechat.pre_auth_code(token),
            "redirect_uri": REDIRECT, "auth_type": "2", "sandbox_appid": MINI_PROGRAM, "sandbox_funcs": "17,18"}
    response = wechat.client.get("/cgi-bin/componentloginpage", query_string=args)
    assert response.status_code == 302
    assert receiver.wait_for(InfoType="authorized")["AuthorizerAppid"] == MINI_PROGRAM


def test_query_auth_returns_the_chosen_permission_sets(wechat):
    # given the merchant unticked everything but three sets
    _, info = wechat.authorize(SERVICE_OA, funcs=[1, 4, 15])
    # then func_info holds exactly those
    assert info["authorizer_appid"] == SERVICE_OA
    assert [item["funcscope_category"]["id"] for item in info["func_info"]] == [1, 4, 15]
    assert info["authorizer_refresh_token"].startswith("refreshtoken@@@")
    assert info["expires_in"] == 7200 and info["authorizer_access_token"]


def test_permission_sets_of_the_other_account_type_are_ignored(wechat):
    _, info = wechat.authorize(MINI_PROGRAM, funcs=[15, 17, 18])
    assert [item["funcscope_category"]["id"] for item in info["func_info"]] == [17, 18]


def test_authorization_without_any_permission_set_is_refused(wechat):
    response = wechat.confirm(wechat.component_token(), SERVICE_OA, funcs=[])
    assert response.status_code == 400
    assert wechat.state()["authorizers"] == {}


@pytest.mark.parametrize("reuse, errcode", [(True, 61010), (False, 61009)])
def test_authorization_code_is_single_use(wechat, reuse, errcode):
    token = wechat.component_token()
    code = query_of(wechat.confirm(token, SERVICE_OA).headers["Location"])["auth_code"]
    if reuse:
        wechat.call("api_query_auth", token, authorization_code=code)
    else:
        code = "queryauthcode@@@unknown"
    assert wechat.call("api_query_auth", token, authorization_code=code)["errcode"] == errcode


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(wechat):
    token, info = wechat.authorize(SERVICE_OA)
    answer = wechat.call("api_authorizer_token", token, authorizer_appid=SERVICE_OA,
                         authorizer_refresh_token=info["authorizer_refresh_token"])
    assert answer["authorizer_access_token"] != info["authorizer_access_token"]
    assert answer["authorizer_refresh_token"] == info["authorizer_refresh_token"]
    assert answer["expires_in"] == 7200


def test_refresh_with_a_wrong_refresh_token_answers_61023(wechat):
    token, _ = wechat.authorize(SERVICE_OA)
    answer = wechat.call("api_authorizer_token", token, authorizer_appid=SERVICE_OA,
                         authorizer_refresh_token="refreshtoken@@@forged")
    assert answer["errcode"] == 61023


def test_get_authorizer_info(wechat):
    token, _ = wechat.authorize(MINI_PROGRAM, funcs=[17, 18])
    answer = wechat.call("api_get_authorizer_info", token, authorizer_appid=MINI_PROGRAM)
    info = answer["authorizer_info"]
    assert info["user_name"] == "gh_5a4db0c00003"
    assert info["head_img"] == f"{PUBLIC_BASE}/sandbox/img/{MINI_PROGRAM}.png"
    assert info["verify_type_info"] == {"id": 0}
    assert "categories" in info["MiniProgramInfo"]
    assert answer["authorization_info"]["func_info"] == [
        {"funcscope_category": {"id": 17}}, {"funcscope_category": {"id": 18}}
    ]


def test_get_authorizer_info_of_an_unauthorized_account_answers_61003(wechat):
    token = wechat.component_token()
    assert wechat.call("api_get_authorizer_info", token, authorizer_appid=SERVICE_OA)["errcode"] == 61003


def test_revoke_pushes_unauthorized_and_kills_the_tokens(wechat, receiver, sandbox_client):
    # given an authorized account
    token, info = wechat.authorize(SERVICE_OA)
    # when the merchant revokes it in WeChat
    assert sandbox_client.post("/sandbox/revoke", json={"appid": SERVICE_OA}).get_json()["errcode"] == 0
    # then the platform hears it
    event = receiver.wait_for(InfoType="unauthorized")
    assert event["AuthorizerAppid"] == SERVICE_OA and "AuthorizationCode" not in event
    # and the refresh token, the access token and the info are gone
    refresh = wechat.call("api_authorizer_token", token, authorizer_appid=SERVICE_OA,
                          authorizer_refresh_token=info["authorizer_refresh_token"])
    assert refresh["errcode"] == 61023
    assert wechat.call("api_get_authorizer_info", token, authorizer_appid=SERVICE_OA)["errcode"] == 61003
    menu = sandbox_client.get(f"/cgi-bin/menu/get?access_token={info['authorizer_access_token']}").get_json()
    assert menu["errcode"] == 40001


def test_revoking_an_unauthorized_account_answers_61003(sandbox_client, receiver):
    assert sandbox_client.post("/sandbox/revoke", json={"appid": SERVICE_OA}).get_json()["errcode"] == 61003
    assert receiver.records == []


def test_push_signature_query_matches_body(wechat, receiver):
    wechat.push_ticket()
    record = receiver.records[-1]
    query = record["query"]
    encrypt = record["body"].decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert query["msg_signature"] == signature("sandboxtoken", query["timestamp"], query["nonce"], encrypt)
