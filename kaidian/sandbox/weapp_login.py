"""Mini-program login on behalf of the component: ``wx.login`` codes and ``jscode2session``.

In a real mini program ``wx.login()`` asks WeChat for a code inside the client; here
``POST /sandbox/weapp/login {appid, user}`` stands in for it and answers ``{"code": …}``. The platform
then calls ``GET /sns/component/jscode2session?appid=&js_code=&grant_type=authorization_code&
component_appid=&component_access_token=`` (the component's token, not the mini program's secret), as at
WeChat:

* the answer is ``{openid, session_key}`` plus ``unionid`` when the mini program is bound to an Open
  Platform account (``open_platform_bound``); the openid is derived from (appid, shopper) exactly as for
  official accounts, so one shopper has a different openid under each mini program;
* a code works once (40163 afterwards), for ``WEAPP_CODE_SECONDS`` (5 minutes, then 40029), and only with
  the appid it was issued for (40029);
* the mini program must be authorized to this component and not revoked (61003), and must be a mini
  program (40013 for an official account's appid);
* ``POST /sandbox/weapp/expire_codes`` ages every outstanding code past its life (tests of expiry).
"""

from __future__ import annotations

from flask import Blueprint, request

from kaidian.sandbox.accounts import DEFAULT_SHOPPER, MINI_PROGRAM
from kaidian.sandbox.component import prune, require_component
from kaidian.sandbox.errors import ApiError
from kaidian.sandbox.faults import wechat_endpoint
from kaidian.sandbox.oauth import openid_for, unionid_for
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import new_secret, now

bp = Blueprint("sandbox_weapp_login", __name__)

WEAPP_CODE_SECONDS = 300
STATE_KEY = "weapp_login_codes"


def _codes(data: dict) -> dict:
    return data.setdefault(STATE_KEY, {})


def _mini_program(data: dict, appid: str | None) -> dict:
    account = data["accounts"].get(appid or "")
    if account is None or account["kind"] != MINI_PROGRAM:
        raise ApiError(40013)
    return account


def issue_code(sb, appid: str | None, user_id: str = DEFAULT_SHOPPER) -> str:
    """What ``wx.login()`` gives the mini program ``appid`` for shopper ``user_id``."""
    with sb.state.transaction() as data:
        _mini_program(data, appid)
        if user_id not in data["shoppers"]:
            raise ApiError(40003, "unknown sandbox shopper")
        codes = _codes(data)
        prune(codes)
        code = new_secret(size=24)
        codes[code] = {"appid": appid, "user_id": user_id, "expires_at": now() + WEAPP_CODE_SECONDS,
                       "used": False}
    return code


def _take_code(data: dict, appid: str, code: str | None) -> dict:
    if not code:
        raise ApiError(41008)
    record = _codes(data).get(code)
    if record is None or record["appid"] != appid or record["expires_at"] <= now():
        raise ApiError(40029)
    if record["used"]:
        raise ApiError(40163)
    record["used"] = True
    return record


def jscode2session(sb, args: dict) -> dict:
    """GET /sns/component/jscode2session."""
    if args.get("grant_type") != "authorization_code":
        raise ApiError(40029, "invalid grant_type")
    with sb.state.transaction() as data:
        require_component(sb, data, args.get("component_access_token"), args.get("component_appid"))
        appid = args.get("appid")
        account = _mini_program(data, appid)
        auth = data["authorizers"].get(appid)
        if auth is None or auth["revoked"]:
            raise ApiError(61003)
        record = _take_code(data, appid, args.get("js_code"))
    result = {"openid": openid_for(appid, record["user_id"]), "session_key": new_secret(size=16)}
    if account.get("open_platform_bound"):
        result["unionid"] = unionid_for(account["principal_name"], record["user_id"])
    return result


@bp.get("/sns/component/jscode2session")
@wechat_endpoint("jscode2session")
def jscode2session_view():
    return jscode2session(current_sandbox(), request.args.to_dict())


@bp.post("/sandbox/weapp/login")
def weapp_login():
    """Stands in for ``wx.login()``: ``{appid, user}`` → ``{"code"}``."""
    body = request.get_json(force=True, silent=True) or {}
    try:
        code = issue_code(current_sandbox(), body.get("appid"), str(body.get("user") or DEFAULT_SHOPPER))
    except ApiError as error:
        return error.payload(), 400
    return {"errcode": 0, "errmsg": "ok", "code": code}


@bp.post("/sandbox/weapp/expire_codes")
def expire_codes():
    with current_sandbox().state.transaction() as data:
        for record in _codes(data).values():
            record["expires_at"] = min(record["expires_at"], now() - 1)
    return {"errcode": 0, "errmsg": "ok"}
