"""/cgi-bin/menu/*: WeChat's validation, the authorizer token check and the permission check."""

import json

import pytest
from sandbox_helpers import MINI_PROGRAM, SERVICE_OA

GOOD_MENU = {
    "button": [
        {"type": "view", "name": "进店逛逛", "url": "https://shop.example.com/"},
        {"name": "我的", "sub_button": [
            {"type": "view", "name": "我的订单", "url": "https://shop.example.com/orders"},
            {"type": "click", "name": "联系客服", "key": "CONTACT"},
            {"type": "miniprogram", "name": "小程序商城", "url": "https://shop.example.com/",
             "appid": MINI_PROGRAM, "pagepath": "pages/index/index"},
        ]},
    ]
}


def _view(name="按钮", **extra):
    return {"type": "view", "name": name, "url": "https://shop.example.com/", **extra}


def _with_sub(*subs):
    return {"button": [{"name": "菜单", "sub_button": list(subs)}]}


def _create(client, token, menu):
    body = menu if isinstance(menu, str) else json.dumps(menu, ensure_ascii=False)
    return client.post(f"/cgi-bin/menu/create?access_token={token}", data=body.encode()).get_json()


def _get(client, token):
    return client.get(f"/cgi-bin/menu/get?access_token={token}").get_json()


@pytest.fixture
def oa_token(wechat):
    _, info = wechat.authorize(SERVICE_OA)
    return info["authorizer_access_token"]


def test_good_menu_is_stored_and_returned(sandbox_client, oa_token):
    assert _create(sandbox_client, oa_token, GOOD_MENU) == {"errcode": 0, "errmsg": "ok"}
    assert _get(sandbox_client, oa_token) == {"menu": GOOD_MENU}


@pytest.mark.parametrize(
    "menu, errcode",
    [
        ({"button": [_view(), _view(), _view(), _view()]}, 40016),
        ({"button": []}, 40016),
        ({}, 40016),
        ({"button": [{"type": "view", "name": "没有链接"}]}, 40020),
        ({"button": [_view(url="ftp://shop.example.com/")]}, 40055),
        ({"button": [_view(url="https://e.com/" + "a" * 1020)]}, 40020),
        ({"button": [_view(name="一二三四五六")]}, 40018),
        ({"button": [_view(name="")]}, 40018),
        ({"button": [{"type": "teleport", "name": "传送"}]}, 40017),
        ({"button": [{"type": "click", "name": "点我", "key": "k" * 129}]}, 40019),
        ({"button": [{"type": "click", "name": "点我"}]}, 40019),
        (_with_sub(*[_view()] * 6), 40023),
        (_with_sub({"type": "view", "name": "无链接"}), 40027),
        (_with_sub(_view(name="长" * 21)), 40025),
        (_with_sub({"type": "zap", "name": "x"}), 40024),
        (_with_sub({"type": "click", "name": "x", "key": "k" * 129}), 40026),
        (_with_sub(_view(url="javascript:alert(1)")), 40054),
        (_with_sub({"name": "套娃", "sub_button": [_view()]}), 40022),
        ({"button": [{"type": "miniprogram", "name": "小程序", "url": "https://e.com/", "appid": "wxnope",
                      "pagepath": "pages/index"}]}, 40166),
        ({"button": [{"type": "miniprogram", "name": "小程序", "url": "https://e.com/", "appid": MINI_PROGRAM}]},
         40165),
        ({"button": [{"type": "media_id", "name": "图文"}]}, 40007),
        ("{not json", 47001),
        ("[1, 2]", 47001),
    ],
)
def test_invalid_menu_is_refused_and_nothing_changes(sandbox_client, oa_token, menu, errcode):
    # when a menu breaking one rule is posted
    answer = _create(sandbox_client, oa_token, menu)
    # then WeChat's errcode, and there is still no menu
    assert answer["errcode"] == errcode
    assert _get(sandbox_client, oa_token)["errcode"] == 46003


def test_name_limits_count_utf8_bytes(sandbox_client, oa_token):
    # 5 Chinese characters = 15 bytes (top limit 16); 20 = 60 bytes (sub limit 60)
    menu = {"button": [_view(name="一二三四五"), {"name": "菜单", "sub_button": [_view(name="长" * 20)]}]}
    assert _create(sandbox_client, oa_token, menu)["errcode"] == 0


def test_menu_needs_permission_set_15(wechat, sandbox_client):
    _, info = wechat.authorize(SERVICE_OA, funcs=[1, 4])
    assert _create(sandbox_client, info["authorizer_access_token"], GOOD_MENU)["errcode"] == 48001


def test_mini_program_has_no_menu(wechat, sandbox_client):
    _, info = wechat.authorize(MINI_PROGRAM)
    assert _create(sandbox_client, info["authorizer_access_token"], GOOD_MENU)["errcode"] == 48001


@pytest.mark.parametrize("token, errcode", [("bogus", 40001), ("", 41001)])
def test_menu_needs_an_authorizer_token(sandbox_client, token, errcode):
    assert _create(sandbox_client, token, GOOD_MENU)["errcode"] == errcode


def test_component_token_is_not_an_authorizer_token(wechat, sandbox_client):
    assert _create(sandbox_client, wechat.component_token(), GOOD_MENU)["errcode"] == 40001


def test_expired_authorizer_token_answers_42001(sandbox_client, oa_token):
    sandbox_client.post("/sandbox/expire_tokens")
    assert _create(sandbox_client, oa_token, GOOD_MENU)["errcode"] == 42001


def test_delete_menu(sandbox_client, oa_token):
    _create(sandbox_client, oa_token, GOOD_MENU)
    sandbox_client.get(f"/cgi-bin/menu/delete?access_token={oa_token}")
    assert _get(sandbox_client, oa_token)["errcode"] == 46003
