"""Shopper OAuth on behalf of the component: the page, the code exchange, openids and the profile."""

import pytest
from sandbox_helpers import COMPONENT_APPID, SECOND_OA, SERVICE_OA, SUBSCRIPTION_OA, query_of

SHOP = "https://s7.shop.example.com/wechat/oauth?next=%2Fcart"


def _authorize_url(appid=SERVICE_OA, scope="snsapi_userinfo", **extra):
    args = {"appid": appid, "redirect_uri": SHOP, "response_type": "code", "scope": scope,
            "state": "xyz", "component_appid": COMPONENT_APPID, **extra}
    return "/connect/oauth2/authorize", args


def _code(client, **kwargs):
    path, args = _authorize_url(**kwargs)
    response = client.get(path, query_string=args)
    assert response.status_code == 302, response.get_data(as_text=True)
    return query_of(response.headers["Location"])


def _exchange(client, token, code, appid=SERVICE_OA):
    args = {"appid": appid, "code": code, "grant_type": "authorization_code",
            "component_appid": COMPONENT_APPID, "component_access_token": token}
    return client.get("/sns/oauth2/component/access_token", query_string=args).get_json()


@pytest.fixture
def component_token(wechat):
    token, _ = wechat.authorize(SERVICE_OA)
    wechat.authorize(SECOND_OA)
    return token


def test_snsapi_base_redirects_silently(sandbox_client, component_token):
    query = _code(sandbox_client, scope="snsapi_base")
    assert query["state"] == "xyz" and query["next"] == "/cart" and query["code"]


def test_snsapi_userinfo_shows_the_user_chooser(sandbox_client, component_token):
    path, args = _authorize_url()
    page = sandbox_client.get(path, query_string=args)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sandbox WeChat user" in html and 'value="alice"' in html and 'name="nickname"' in html


def test_code_exchange_gives_openid_and_unionid(sandbox_client, component_token):
    code = _code(sandbox_client, sandbox_user="bob")["code"]
    answer = _exchange(sandbox_client, component_token, code)
    assert answer["scope"] == "snsapi_userinfo" and answer["expires_in"] == 7200
    assert answer["openid"].startswith("o") and len(answer["openid"]) == 28
    assert answer["unionid"] and answer["access_token"] and answer["refresh_token"]


def test_openid_is_per_appid_and_unionid_per_principal(sandbox_client, component_token):
    # given the same shopper logging in to two accounts of one principal
    first = _exchange(sandbox_client, component_token, _code(sandbox_client, sandbox_user="bob")["code"])
    code = _code(sandbox_client, appid=SECOND_OA, sandbox_user="bob")["code"]
    second = _exchange(sandbox_client, component_token, code, appid=SECOND_OA)
    other = _exchange(sandbox_client, component_token, _code(sandbox_client, sandbox_user="carol")["code"])
    # then the openids differ, the unionid is shared, and another shopper differs from both
    assert first["openid"] != second["openid"]
    assert first["unionid"] == second["unionid"]
    assert other["openid"] != first["openid"] and other["unionid"] != first["unionid"]


def test_same_shopper_same_account_same_openid(sandbox_client, component_token):
    openids = {
        _exchange(sandbox_client, component_token, _code(sandbox_client, sandbox_user="bob")["code"])["openid"]
        for _ in range(2)
    }
    assert len(openids) == 1


@pytest.mark.parametrize(
    "mangle, errcode",
    [
        (lambda code: "not-a-code", 40029),
        (lambda code: "", 41008),
    ],
)
def test_bad_code_is_refused(sandbox_client, component_token, mangle, errcode):
    code = _code(sandbox_client, sandbox_user="bob")["code"]
    assert _exchange(sandbox_client, component_token, mangle(code))["errcode"] == errcode


def test_code_is_single_use_and_bound_to_its_appid(sandbox_client, component_token):
    code = _code(sandbox_client, sandbox_user="bob")["code"]
    assert _exchange(sandbox_client, component_token, code, appid=SECOND_OA)["errcode"] == 40029
    assert "openid" in _exchange(sandbox_client, component_token, code)
    assert _exchange(sandbox_client, component_token, code)["errcode"] == 40163


def test_code_exchange_needs_the_component_token(sandbox_client, component_token):
    code = _code(sandbox_client, sandbox_user="bob")["code"]
    assert _exchange(sandbox_client, "bogus", code)["errcode"] == 40001


def _userinfo(client, answer, openid=None):
    args = {"access_token": answer["access_token"], "openid": openid or answer["openid"], "lang": "zh_CN"}
    return client.get("/sns/userinfo", query_string=args).get_json()


def test_userinfo_returns_the_profile(sandbox_client, component_token):
    answer = _exchange(sandbox_client, component_token, _code(sandbox_client, sandbox_user="bob")["code"])
    profile = _userinfo(sandbox_client, answer)
    assert profile["nickname"] == "老包" and profile["openid"] == answer["openid"]
    assert profile["unionid"] == answer["unionid"] and profile["headimgurl"].endswith(".png")
    assert profile["privilege"] == []


def test_userinfo_with_snsapi_base_answers_48001(sandbox_client, component_token):
    answer = _exchange(sandbox_client, component_token, _code(sandbox_client, scope="snsapi_base")["code"])
    assert _userinfo(sandbox_client, answer)["errcode"] == 48001


def test_userinfo_with_another_openid_answers_40003(sandbox_client, component_token):
    answer = _exchange(sandbox_client, component_token, _code(sandbox_client, sandbox_user="bob")["code"])
    assert _userinfo(sandbox_client, answer, openid="o" + "x" * 27)["errcode"] == 40003


def test_custom_nickname_becomes_a_new_shopper(sandbox_client, component_token):
    path, args = _authorize_url()
    response = sandbox_client.post(path, data={**args, "user": "alice", "nickname": "测试买家", "action": "allow"})
    answer = _exchange(sandbox_client, component_token, query_of(response.headers["Location"])["code"])
    assert _userinfo(sandbox_client, answer)["nickname"] == "测试买家"


def test_denying_redirects_without_a_code(sandbox_client, component_token):
    path, args = _authorize_url()
    response = sandbox_client.post(path, data={**args, "action": "deny"})
    query = query_of(response.headers["Location"])
    assert response.status_code == 302 and "code" not in query and query["state"] == "xyz"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"appid": SUBSCRIPTION_OA},
        {"appid": "wx5a4db0c000000003"},
        {"scope": "snsapi_everything"},
        {"component_appid": "wxother"},
        {"redirect_uri": "javascript:alert(1)"},
    ],
)
def test_oauth_refused_like_wechat(sandbox_client, component_token, kwargs):
    path, args = _authorize_url(**{key: value for key, value in kwargs.items() if key != "redirect_uri"})
    args.update({key: value for key, value in kwargs.items() if key == "redirect_uri"})
    response = sandbox_client.get(path, query_string={**args, "sandbox_user": "bob"})
    assert response.status_code == 400
    assert "data-sandbox-error" in response.get_data(as_text=True)


def test_oauth_needs_the_web_permission_set(wechat, sandbox_client):
    wechat.authorize(SERVICE_OA, funcs=[1, 15])
    path, args = _authorize_url(scope="snsapi_base")
    assert sandbox_client.get(path, query_string=args).status_code == 400


def test_the_redirect_carries_code_state_and_appid(sandbox_client, component_token):
    query = _code(sandbox_client, scope="snsapi_base")
    assert query["appid"] == SERVICE_OA and query["state"] == "xyz" and query["code"]


@pytest.mark.parametrize("redirect_uri", ["https://evil.example.net/cb", "https://shop.example.com.evil.net/cb",
                                          "https://notshop.example.com/cb"])
def test_a_redirect_uri_outside_the_web_authorization_domains_is_refused(sandbox_client, component_token,
                                                                       redirect_uri):
    path, args = _authorize_url(redirect_uri=redirect_uri)
    response = sandbox_client.get(path, query_string=args)
    assert response.status_code == 400 and "10003" in response.get_data(as_text=True)


def test_an_accounts_own_web_domain_is_accepted_once_configured(sandbox_client, component_token):
    path, args = _authorize_url(redirect_uri="https://www.mybrand.cn/wechat/oauth", scope="snsapi_base")
    assert sandbox_client.get(path, query_string=args).status_code == 400
    answer = sandbox_client.post("/sandbox/web_domains", json={"appid": SERVICE_OA, "domains": ["mybrand.cn"]})
    assert answer.get_json()["domains"] == ["mybrand.cn"]
    assert sandbox_client.get(path, query_string=args).status_code == 302


def test_unionid_only_for_userinfo_on_an_account_bound_to_an_open_platform_account(sandbox_client, component_token):
    base = _exchange(sandbox_client, component_token, _code(sandbox_client, scope="snsapi_base")["code"])
    assert base["openid"] and "unionid" not in base
    full = _exchange(sandbox_client, component_token, _code(sandbox_client, scope="snsapi_userinfo",
                                                            sandbox_user="alice")["code"])
    assert full["unionid"]


def test_snapshot_mode_gives_a_virtual_user(sandbox_client, component_token):
    query = _code(sandbox_client, scope="snsapi_userinfo", sandbox_snapshot="1")
    answer = _exchange(sandbox_client, component_token, query["code"])
    assert answer["is_snapshotuser"] == 1 and "unionid" not in answer
    other = _exchange(sandbox_client, component_token,
                      _code(sandbox_client, scope="snsapi_userinfo", sandbox_user="alice")["code"])
    assert answer["openid"] != other["openid"] and "is_snapshotuser" not in other
    profile = sandbox_client.get("/sns/userinfo", query_string={"access_token": answer["access_token"],
                                                                 "openid": answer["openid"]}).get_json()
    assert profile["is_snapshotuser"] == 1 and profile["nickname"] == "微信用户"
