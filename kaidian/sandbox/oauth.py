"""Shopper OAuth for official accounts, on behalf of the component (open.weixin.qq.com + /sns/*).

An openid is derived from (authorizer appid, shopper), so one shopper has a different openid under each
account; a unionid from (principal, shopper), shared by the accounts of one principal. As at WeChat:

* the unionid is given only for ``snsapi_userinfo`` and only when the account is bound to an Open
  Platform account (``open_platform_bound``);
* a page opened in "snapshot" mode (a share opened from Moments, before the shopper taps "use the full
  service") gets a *virtual* user: ``is_snapshotuser: 1``, an openid that is nobody's, no unionid;
* the redirect back carries ``code``, ``state`` and ``appid``;
* the ``redirect_uri`` host must be the component's web-authorization domain (``OAUTH_REDIRECT_DOMAINS``)
  or one added for that account (``POST /sandbox/web_domains``), or a subdomain of one.
"""

from __future__ import annotations

import base64
import hashlib

from kaidian.sandbox.accounts import DEFAULT_SHOPPER, OFFICIAL_ACCOUNT
from kaidian.sandbox.component import check_token, prune, require_component
from kaidian.sandbox.errors import ApiError, PageError
from kaidian.sandbox.state import new_secret, now
from kaidian.sandbox.urls import add_query, host_of, is_web_url

SCOPES = ("snsapi_base", "snsapi_userinfo")
WEB_FUNC_ID = 4  # 网页服务权限


def _digest_id(*parts: str, length: int) -> str:
    digest = hashlib.sha256(":".join(parts).encode("utf-8")).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode("ascii")[: length - 1]


def openid_for(appid: str, user_id: str) -> str:
    return _digest_id("openid", appid, user_id, length=28)


def unionid_for(principal_name: str, user_id: str) -> str:
    return _digest_id("unionid", principal_name, user_id, length=29)


SNAPSHOT_USER = "snapshot"


def redirect_domains(sb, data: dict, appid: str) -> list[str]:
    configured = [d.strip().lower() for d in str(sb.config["OAUTH_REDIRECT_DOMAINS"]).split(",") if d.strip()]
    return configured + list(data["web_auth_domains"].get(appid, []))


def domain_allowed(host: str, domains: list[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def authorize_problem(sb, data: dict, args: dict) -> str | None:
    """Why WeChat would refuse this OAuth request, or None."""
    account = data["accounts"].get(args.get("appid", ""))
    auth = data["authorizers"].get(args.get("appid", ""))
    if account is None or account["kind"] != OFFICIAL_ACCOUNT:
        return "appid 参数错误"
    if args.get("component_appid") != sb.config["COMPONENT_APPID"]:
        return "component_appid 参数错误"
    if auth is None or auth["revoked"] or WEB_FUNC_ID not in auth["func_ids"]:
        return "该公众号未将网页服务权限授权给此第三方平台"
    if args.get("response_type") != "code" or args.get("scope") not in SCOPES:
        return "scope 参数错误或没有 scope 权限"
    if account["service_type"] != 2 or account["verify_type"] == -1:
        return "此公众号没有网页授权权限（仅认证服务号可用）"
    if not is_web_url(args.get("redirect_uri", "")):
        return "redirect_uri 参数错误"
    if not domain_allowed(host_of(args["redirect_uri"]), redirect_domains(sb, data, args["appid"])):
        return "redirect_uri 域名与后台配置不一致，错误码：10003"
    return None


def _shopper_id(data: dict, user_id: str, nickname: str) -> str:
    nickname = (nickname or "").strip()[:32]
    if nickname:
        user_id = "custom-" + hashlib.sha1(nickname.encode("utf-8")).hexdigest()[:10]
        data["shoppers"].setdefault(user_id, {"nickname": nickname, "sex": 0, "province": "",
                                              "city": "", "color": [120, 120, 120]})
    if user_id not in data["shoppers"]:
        raise PageError("未知的沙箱用户")
    return user_id


def issue_code(sb, args: dict, user_id: str = DEFAULT_SHOPPER, nickname: str = "", snapshot: bool = False) -> str:
    """The shopper agreed (or, in snapshot mode, a virtual user stands in): the redirect URL carrying a
    fresh code, the state and the appid."""
    with sb.state.transaction() as data:
        problem = authorize_problem(sb, data, args)
        if problem:
            raise PageError(problem)
        user_id = SNAPSHOT_USER if snapshot else _shopper_id(data, user_id, nickname)
        code = new_secret(size=24)
        prune(data["oauth_codes"])
        data["oauth_codes"][code] = {
            "appid": args["appid"], "user_id": user_id, "scope": args["scope"],
            "expires_at": now() + sb.config["OAUTH_CODE_TTL"], "used": False,
        }
    return add_query(args["redirect_uri"], code=code, state=args.get("state", ""), appid=args["appid"])


def _take_code(data: dict, appid: str | None, code: str | None) -> dict:
    if not code:
        raise ApiError(41008)
    record = data["oauth_codes"].get(code)
    if record is None or record["appid"] != appid or record["expires_at"] <= now():
        raise ApiError(40029)
    if record["used"]:
        raise ApiError(40163)
    record["used"] = True
    return record


def exchange_code(sb, args: dict) -> dict:
    """GET /sns/oauth2/component/access_token."""
    if args.get("grant_type") != "authorization_code":
        raise ApiError(40029, "invalid grant_type")
    with sb.state.transaction() as data:
        require_component(sb, data, args.get("component_access_token"), args.get("component_appid"))
        record = _take_code(data, args.get("appid"), args.get("code"))
        account = data["accounts"][record["appid"]]
        token = new_secret(size=48)
        prune(data["sns_tokens"])
        result = {
            "access_token": token, "expires_in": sb.config["TOKEN_TTL"], "refresh_token": new_secret(size=48),
            "openid": openid_for(record["appid"], record["user_id"]), "scope": record["scope"],
        }
        if record["user_id"] == SNAPSHOT_USER:
            result["is_snapshotuser"] = 1
        elif record["scope"] == "snsapi_userinfo" and account.get("open_platform_bound"):
            result["unionid"] = unionid_for(account["principal_name"], record["user_id"])
        data["sns_tokens"][token] = {**record, "openid": result["openid"],
                                     "expires_at": now() + sb.config["TOKEN_TTL"]}
    return result


def userinfo(sb, args: dict) -> dict:
    """GET /sns/userinfo: the profile, only with the snsapi_userinfo scope."""
    data = sb.state.read()
    token = args.get("access_token")
    check_token({key: value["expires_at"] for key, value in data["sns_tokens"].items()}, token)
    record = data["sns_tokens"][token]
    if args.get("openid") != record["openid"]:
        raise ApiError(40003)
    if record["scope"] != "snsapi_userinfo":
        raise ApiError(48001)
    account = data["accounts"][record["appid"]]
    if record["user_id"] == SNAPSHOT_USER:  # a virtual user: nobody's name or face
        return {"openid": record["openid"], "nickname": "微信用户", "sex": 0, "province": "", "city": "",
                "country": "", "headimgurl": f"{sb.config['PUBLIC_BASE']}/sandbox/img/user-snapshot.png",
                "privilege": [], "is_snapshotuser": 1}
    shopper = data["shoppers"][record["user_id"]]
    profile = {
        "openid": record["openid"], "nickname": shopper["nickname"], "sex": shopper["sex"],
        "province": shopper["province"], "city": shopper["city"], "country": "中国",
        "headimgurl": f"{sb.config['PUBLIC_BASE']}/sandbox/img/user-{record['user_id']}.png",
        "privilege": [],
    }
    if account.get("open_platform_bound"):
        profile["unionid"] = unionid_for(account["principal_name"], record["user_id"])
    return profile


def set_web_domains(sb, appid: str, domains: list[str]) -> list[str]:
    """The account's own web-authorization domains (a store on a custom domain needs its domain there)."""
    cleaned = sorted({str(d).strip().lower() for d in domains if str(d).strip()})
    with sb.state.transaction() as data:
        if appid not in data["accounts"]:
            raise ApiError(40013)
        data["web_auth_domains"][appid] = cleaned
    return cleaned
