"""The official account's menu: the default, WeChat's limits checked before any call, save, publish."""

import pytest

from kaidian.platform.errors import ValidationFailed
from kaidian.wechat import menus
from kaidian.wechat.models import Authorizer
from tests.conftest import api_token, post_form

from .helpers import MINI_PROGRAM, SERVICE_OA, authorize, rows, snapshot


def view(name="Shop", url="https://alpha.example.com/"):
    return {"type": "view", "name": name, "url": url}


@pytest.fixture
def bound(app, sandbox, merchant):
    authorize(merchant, SERVICE_OA)
    [row] = rows(app, Authorizer)
    return row


@pytest.fixture
def headers(app, alpha):
    return api_token(app.test_client(), alpha.login)


def test_the_default_menu_points_at_the_storefront(app, merchant, bound, headers):
    menu = merchant.get(f"/api/v1/wechat/authorizers/{bound.id}/menu", headers=headers).get_json()
    assert [b["url"] for b in menu["button"]] == ["http://alpha.localhost/", "http://alpha.localhost/products",
                                                  "http://alpha.localhost/member"]
    assert [b["type"] for b in menu["button"]] == ["view"] * 3


def test_the_default_menu_names_are_written_in_the_merchants_language(app):
    from flask_babel import force_locale

    from kaidian.platform.models import Tenant

    with app.test_request_context(), force_locale("en"):
        names = [b["name"] for b in menus.default_menu(Tenant(slug="alpha"))["button"]]
    assert names == ["Home", "Shop", "Me"]


def test_publishing_the_default_menu_sends_it_to_wechat(app, sandbox, merchant, bound, headers):
    response = merchant.post(f"/api/v1/wechat/authorizers/{bound.id}/menu/publish", headers=headers)
    assert response.status_code == 200, response.get_json()
    published = sandbox.state()["menus"][SERVICE_OA]["button"]
    assert [b["url"] for b in published] == [b["url"] for b in response.get_json()["menu"]["button"]]
    assert rows(app, Authorizer)[0].menu_published_at is not None


def test_a_saved_menu_with_sub_buttons_is_published_as_saved(app, sandbox, merchant, bound, headers):
    menu = {"button": [view("首页"), {"name": "活动", "sub_button": [view("新品"), {"type": "click", "name": "签到",
                                                                                 "key": "SIGN_IN"}]}]}
    saved = merchant.put(f"/api/v1/wechat/authorizers/{bound.id}/menu", json=menu, headers=headers)
    assert saved.status_code == 200 and saved.get_json() == menu
    assert merchant.post(f"/api/v1/wechat/authorizers/{bound.id}/menu/publish", headers=headers).status_code == 200
    assert sandbox.state()["menus"][SERVICE_OA] == menu


def _buttons(n):
    return [view(f"B{i}") for i in range(n)]


REFUSED = {
    "no buttons": ({"button": []}, "button"),
    "four top buttons": ({"button": _buttons(4)}, "button"),
    "six sub-buttons": ({"button": [{"name": "More", "sub_button": _buttons(6)}]}, "button.0.sub_button"),
    "missing url": ({"button": [{"type": "view", "name": "Shop"}]}, "button.0.url"),
    "url not http": ({"button": [view(url="javascript:alert(1)")]}, "button.0.url"),
    "url too long": ({"button": [view(url="https://a.cn/" + "x" * 1020)]}, "button.0.url"),
    "top name over 16 bytes": ({"button": [view("六个中文字符")]}, "button.0.name"),
    "sub name over 60 bytes": ({"button": [{"name": "M", "sub_button": [view("长" * 21)]}]},
                               "button.0.sub_button.0.name"),
    "empty name": ({"button": [view("")]}, "button.0.name"),
    "unknown type": ({"button": [{"type": "media_id", "name": "x", "media_id": "1"}]}, "button.0.type"),
    "click without key": ({"button": [{"type": "click", "name": "x"}]}, "button.0.key"),
    "key over 128 bytes": ({"button": [{"type": "click", "name": "x", "key": "k" * 129}]}, "button.0.key"),
    "mini program without page": ({"button": [{"type": "miniprogram", "name": "x", "url": "https://a.cn",
                                                "appid": MINI_PROGRAM}]}, "button.0.pagepath"),
    "not a list": ({"button": "x"}, "button"),
}


@pytest.mark.parametrize(("menu", "field"), REFUSED.values(), ids=REFUSED.keys())
def test_menus_beyond_wechats_limits_are_refused_before_any_call(app, sandbox, merchant, bound, headers, menu, field):
    before_db, before_calls = snapshot(app), sandbox.counts()
    for method, path in (("PUT", "menu"), ("POST", "menu/publish")):
        response = merchant.open(f"/api/v1/wechat/authorizers/{bound.id}/{path}", method=method, json=menu,
                                 headers=headers)
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["error"]["fields"], response.get_json()
    assert sandbox.counts() == before_calls
    assert snapshot(app) == before_db


def test_validation_keeps_only_the_fields_of_each_type():
    menu = {"button": [{"type": "view", "name": "x", "url": "https://a.cn", "key": "extra", "evil": 1}]}
    assert menus.validate(menu) == {"button": [{"type": "view", "name": "x", "url": "https://a.cn"}]}


def test_validation_accepts_five_chinese_characters_on_top():
    assert menus.validate({"button": [view("五个中文字")]})


def test_validation_names_every_problem_at_once():
    with pytest.raises(ValidationFailed) as error:
        menus.validate({"button": [{"type": "view", "name": ""}, {"type": "click", "name": "ok"}]})
    assert set(error.value.fields) == {"button.0.name", "button.0.url", "button.1.key"}


def test_the_editor_saves_a_menu_from_its_form(app, merchant, bound):
    page = merchant.get(f"/admin/wechat/{bound.id}/menu")
    assert page.status_code == 200 and 'name="b2_s4_pagepath"' in page.get_data(as_text=True)
    form = {"b0_name": "首页", "b0_type": "view", "b0_url": "https://alpha.example.com/",
            "b1_name": "更多", "b1_s0_name": "签到", "b1_s0_type": "click", "b1_s0_key": "SIGN"}
    response = post_form(merchant, f"/admin/wechat/{bound.id}/menu", form)
    assert response.status_code == 302
    assert rows(app, Authorizer)[0].menu == {"button": [
        {"type": "view", "name": "首页", "url": "https://alpha.example.com/"},
        {"name": "更多", "sub_button": [{"type": "click", "name": "签到", "key": "SIGN"}]}]}


def test_the_editor_shows_what_is_wrong_and_saves_nothing(app, merchant, bound):
    before = snapshot(app)
    response = post_form(merchant, f"/admin/wechat/{bound.id}/menu", {"b0_name": "首页", "b0_type": "view"})
    assert response.status_code == 422
    assert "Enter a web address" in response.get_data(as_text=True) or "required" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_the_editor_publishes_and_reports_success(app, sandbox, merchant, bound):
    response = post_form(merchant, f"/admin/wechat/{bound.id}/menu/publish", follow_redirects=True)
    assert "Menu published to WeChat." in response.get_data(as_text=True)
    assert SERVICE_OA in sandbox.state()["menus"]


def test_a_mini_program_has_no_menu(app, sandbox, merchant, headers):
    authorize(merchant, MINI_PROGRAM, kind="mini_program")
    [row] = rows(app, Authorizer)
    response = merchant.put(f"/api/v1/wechat/authorizers/{row.id}/menu", json={"button": [view()]}, headers=headers)
    assert response.status_code == 409


def test_the_editor_reads_only_the_fields_of_each_buttons_type(app, merchant, bound):
    # a key and an AppID typed before the type was set to a web page; a sub-button slot left with only
    # a stale key in it (its name never typed)
    form = {"b0_name": "首页", "b0_type": "view", "b0_url": "https://alpha.example.com/", "b0_key": "OLD",
            "b0_appid": "wx123", "b0_pagepath": "pages/x", "b0_s0_type": "view", "b0_s0_key": "STALE",
            "b1_name": "签到", "b1_type": "click", "b1_key": "SIGN", "b1_url": "https://stale.example.com/"}
    response = post_form(merchant, f"/admin/wechat/{bound.id}/menu", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert rows(app, Authorizer)[0].menu == {"button": [
        {"type": "view", "name": "首页", "url": "https://alpha.example.com/"},
        {"type": "click", "name": "签到", "key": "SIGN"}]}


def test_the_editor_marks_each_box_with_the_types_that_use_it(merchant, bound):
    html = merchant.get(f"/admin/wechat/{bound.id}/menu").get_data(as_text=True)
    assert '<div class="menu-field" data-types="click">' in html and "/static/wechat/menu.js" in html
    buttons = 3 + 3 * 5  # three top buttons with five sub-buttons each
    assert html.count('data-types="miniprogram"') == 3 * buttons  # AppID, page and the fallback hint
