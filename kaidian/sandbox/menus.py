"""Custom menus (/cgi-bin/menu/*) with WeChat's validation rules and error codes.

1–3 top buttons; a top button either has 1–5 ``sub_button`` or is itself a leaf. Names are limited in UTF-8
bytes (top 16, sub 60); ``key`` ≤ 128 bytes; ``url`` ≤ 1024 bytes and http(s).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from kaidian.sandbox.accounts import MINI_PROGRAM
from kaidian.sandbox.component import require_authorizer_token
from kaidian.sandbox.errors import ApiError

MENU_FUNC_ID = 15  # 自定义菜单权限
KEY_MAX, URL_MAX = 128, 1024
KEY_TYPES = {
    "click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin",
    "location_select",
}
MEDIA_TYPES = {"media_id": "media_id", "view_limited": "media_id", "article_id": "article_id",
               "article_view_limited": "article_id"}
TOP = {"name_max": 16, "type": 40017, "name": 40018, "key": 40019, "url": 40020, "domain": 40055}
SUB = {"name_max": 60, "type": 40024, "name": 40025, "key": 40026, "url": 40027, "domain": 40054}


def _size(value) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else 0


def _check_url(url, rules: dict) -> None:
    if not 0 < _size(url) <= URL_MAX:
        raise ApiError(rules["url"])
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError(rules["domain"])


def _check_miniprogram(button: dict, rules: dict, mini_programs: set[str]) -> None:
    _check_url(button.get("url"), rules)
    if button.get("appid") not in mini_programs:
        raise ApiError(40166)
    if not _size(button.get("pagepath")):
        raise ApiError(40165)


def _check_leaf(button: dict, rules: dict, mini_programs: set[str]) -> None:
    kind = button.get("type")
    if kind in KEY_TYPES:
        if not 0 < _size(button.get("key")) <= KEY_MAX:
            raise ApiError(rules["key"])
    elif kind == "view":
        _check_url(button.get("url"), rules)
    elif kind == "miniprogram":
        _check_miniprogram(button, rules, mini_programs)
    elif kind in MEDIA_TYPES:
        if not _size(button.get(MEDIA_TYPES[kind])):
            raise ApiError(40007)
    else:
        raise ApiError(rules["type"])


def _check_button(button, rules: dict, mini_programs: set[str]) -> None:
    if not isinstance(button, dict):
        raise ApiError(47001)
    if not 0 < _size(button.get("name")) <= rules["name_max"]:
        raise ApiError(rules["name"])
    subs = button.get("sub_button")
    if not subs:
        _check_leaf(button, rules, mini_programs)
    elif rules is SUB:
        raise ApiError(40022)
    elif not isinstance(subs, list) or len(subs) > 5:
        raise ApiError(40023)
    else:
        for sub in subs:
            _check_button(sub, SUB, mini_programs)


def validate_menu(menu, mini_programs: set[str]) -> None:
    """Raise ApiError with WeChat's errcode for the first problem, as WeChat does."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise ApiError(40016)
    for button in buttons:
        _check_button(button, TOP, mini_programs)


def _menu_account(data: dict, token: str | None) -> str:
    appid, auth = require_authorizer_token(data, token)
    if MENU_FUNC_ID not in auth["func_ids"]:
        raise ApiError(48001)
    return appid


def create_menu(sb, token: str | None, menu) -> dict:
    with sb.state.transaction() as data:
        appid = _menu_account(data, token)
        programs = {a["appid"] for a in data["accounts"].values() if a["kind"] == MINI_PROGRAM}
        validate_menu(menu, programs)
        data["menus"][appid] = {"button": menu["button"]}
    return {"errcode": 0, "errmsg": "ok"}


def get_menu(sb, token: str | None) -> dict:
    data = sb.state.read()
    appid = _menu_account(data, token)
    if appid not in data["menus"]:
        raise ApiError(46003)
    return {"menu": data["menus"][appid]}


def delete_menu(sb, token: str | None) -> dict:
    with sb.state.transaction() as data:
        appid = _menu_account(data, token)
        data["menus"].pop(appid, None)
    return {"errcode": 0, "errmsg": "ok"}
