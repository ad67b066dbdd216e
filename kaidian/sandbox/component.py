"""The component (third-party platform) use cases: tickets, tokens, authorization and revocation.

Each function takes the :class:`~kaidian.sandbox.runtime.Sandbox` and plain values, checks like WeChat
does, and raises :class:`~kaidian.sandbox.errors.ApiError` (JSON endpoints) or ``PageError`` (pages).
A refused call changes nothing: checks run inside the state transaction, which an exception discards.
"""

from __future__ import annotations

import time

from kaidian.sandbox.accounts import authorizer_info, func_sets_for, selectable_accounts
from kaidian.sandbox.errors import ApiError, PageError
from kaidian.sandbox.state import new_secret, now
from kaidian.sandbox.urls import add_query, is_web_url

STALE_AFTER = 86400  # expired entries are kept this long (so they answer 42001, not 40001), then dropped


def prune(mapping: dict, field: str = "expires_at") -> None:
    cutoff = now() - STALE_AFTER
    for key in [key for key, value in mapping.items() if _expiry(value, field) < cutoff]:
        del mapping[key]


def _expiry(value, field: str) -> float:
    return value if isinstance(value, (int, float)) else value.get(field, 0)


def issue_token(tokens: dict, config: dict) -> str:
    """Add a fresh token to ``{token: expires_at}``; older ones stay valid only for the grace period."""
    prune(tokens)
    grace_end = now() + config["TOKEN_GRACE_SECONDS"]
    for token, expires_at in tokens.items():
        tokens[token] = min(expires_at, grace_end)
    token = new_secret(size=48)
    tokens[token] = now() + config["TOKEN_TTL"]
    return token


def check_token(tokens: dict, token: str | None) -> None:
    if not token:
        raise ApiError(41001)
    expires_at = tokens.get(token)
    if expires_at is None:
        raise ApiError(40001)
    if expires_at <= now():
        raise ApiError(42001)


def check_component_appid(config: dict, appid: str | None) -> None:
    if not appid:
        raise ApiError(41002)
    if appid != config["COMPONENT_APPID"]:
        raise ApiError(40013)


def check_component_secret(config: dict, body: dict, field: str) -> None:
    check_component_appid(config, body.get("component_appid"))
    if not body.get(field):
        raise ApiError(41004)
    if body[field] != config["COMPONENT_SECRET"]:
        raise ApiError(40125)


def require_component(sb, data: dict, token: str | None, appid: str | None) -> None:
    check_token(data["component_tokens"], token)
    check_component_appid(sb.config, appid)


MAX_TICKETS = 200


def issue_ticket(sb) -> tuple[str, dict]:
    """Issue a component_verify_ticket and push it to the platform. Like WeChat's, each ticket stays
    valid for ``TICKET_TTL`` (12 hours) whatever is pushed after it, so a platform that missed pushes
    keeps working with the last ticket it stored."""
    ticket = new_secret("ticket@@@")
    with sb.state.transaction() as data:
        issued = data["ticket_issued_at"]
        cutoff = now() - sb.config["TICKET_TTL"]
        for old in [old for old, at in issued.items() if at < cutoff]:
            del issued[old]
        issued[ticket] = now()
        data["tickets"] = (data["tickets"] + [ticket])[-MAX_TICKETS:]
    event = {"InfoType": "component_verify_ticket", "ComponentVerifyTicket": ticket}
    return ticket, sb.pusher.push_component_event(event)


def ticket_valid(sb, data: dict, ticket: str | None) -> bool:
    issued_at = data["ticket_issued_at"].get(ticket or "")
    return issued_at is not None and issued_at > now() - sb.config["TICKET_TTL"]


def resend_ticket(sb) -> dict:
    """Push the current ticket again (after an undelivered push); a new one when there is none."""
    tickets = sb.state.read()["tickets"]
    if not tickets:
        return issue_ticket(sb)[1]
    event = {"InfoType": "component_verify_ticket", "ComponentVerifyTicket": tickets[-1]}
    return sb.pusher.push_component_event(event)


def component_token(sb, body: dict) -> dict:
    check_component_secret(sb.config, body, "component_appsecret")
    with sb.state.transaction() as data:
        if not ticket_valid(sb, data, body.get("component_verify_ticket")):
            raise ApiError(61006)
        token = issue_token(data["component_tokens"], sb.config)
    return {"component_access_token": token, "expires_in": sb.config["TOKEN_TTL"]}


def create_preauthcode(sb, token: str | None, body: dict) -> dict:
    ttl = sb.config["PRE_AUTH_CODE_TTL"]
    with sb.state.transaction() as data:
        require_component(sb, data, token, body.get("component_appid"))
        prune(data["pre_auth_codes"])
        code = new_secret("preauthcode@@@")
        data["pre_auth_codes"][code] = {"expires_at": now() + ttl, "used": False}
    return {"pre_auth_code": code, "expires_in": ttl}


def pre_auth_problem(sb, data: dict, component_appid: str, code: str) -> str | None:
    """Why the authorization page must refuse, in WeChat's words; None when it may proceed."""
    if component_appid != sb.config["COMPONENT_APPID"]:
        return "第三方平台 component_appid 无效"
    record = data["pre_auth_codes"].get(code or "")
    if record is None:
        return "pre_auth_code 无效"
    if record["used"]:
        return "pre_auth_code 已被使用，请重新发起授权"
    if record["expires_at"] <= now():
        return "pre_auth_code 已过期，请重新发起授权"
    return None


def _chosen_account(data: dict, form: dict) -> dict:
    offered = selectable_accounts(data["accounts"], form.get("auth_type", "3"), form.get("biz_appid", ""))
    chosen = [account for account in offered if account["appid"] == form.get("appid")]
    if not chosen:
        raise PageError("请选择要授权的帐号")
    return chosen[0]


def _chosen_funcs(account: dict, func_ids: list) -> list[int]:
    allowed = {item["id"] for item in func_sets_for(account["kind"])}
    try:
        chosen = sorted({int(fid) for fid in func_ids} & allowed)
    except (TypeError, ValueError):
        raise PageError("权限集参数无效") from None
    if not chosen:
        raise PageError("请至少选择一项权限集")
    return chosen


def _grant(data: dict, appid: str, func_ids: list[int]) -> str:
    """Record the authorization. Authorizing again issues a new refresh token and the old one stops
    working, as at WeChat (a platform must keep the one api_query_auth returns)."""
    current = data["authorizers"].get(appid)
    active = bool(current) and not current["revoked"]
    if not active:
        current = {"access_tokens": {}, "revoked": False}
    current.update(func_ids=func_ids, authorized_at=now(), refresh_token=new_secret("refreshtoken@@@"))
    data["authorizers"][appid] = current
    return "updateauthorized" if active else "authorized"


def confirm_authorization(sb, form: dict, func_ids: list) -> str:
    """The merchant confirmed on the authorization page: grant, push the event, return the redirect URL."""
    ttl = sb.config["AUTH_CODE_TTL"]
    code = form.get("pre_auth_code", "")
    with sb.state.transaction() as data:
        problem = pre_auth_problem(sb, data, form.get("component_appid", ""), code)
        if problem or not is_web_url(form.get("redirect_uri", "")):
            raise PageError(problem or "redirect_uri 参数错误")
        account = _chosen_account(data, form)
        funcs = _chosen_funcs(account, func_ids)
        data["pre_auth_codes"][code]["used"] = True
        info_type = _grant(data, account["appid"], funcs)
        auth_code = new_secret("queryauthcode@@@")
        prune(data["auth_codes"])
        data["auth_codes"][auth_code] = {"appid": account["appid"], "expires_at": now() + ttl, "used": False}
    sb.pusher.push_component_event({
        "InfoType": info_type, "AuthorizerAppid": account["appid"], "AuthorizationCode": auth_code,
        "AuthorizationCodeExpiredTime": int(now() + ttl), "PreAuthCode": code,
    })
    return add_query(form["redirect_uri"], auth_code=auth_code, expires_in=ttl)


def _func_info(auth: dict) -> list[dict]:
    return [{"funcscope_category": {"id": fid}} for fid in auth["func_ids"]]


def _active_authorizer(data: dict, appid: str | None, errcode: int) -> dict:
    auth = data["authorizers"].get(appid or "")
    if auth is None or auth["revoked"]:
        raise ApiError(errcode)
    return auth


def _take_auth_code(data: dict, code: str | None) -> dict:
    record = data["auth_codes"].get(code or "")
    if record is None:
        raise ApiError(61009)
    if record["used"] or record["expires_at"] <= now():
        raise ApiError(61010)
    record["used"] = True
    return record


def query_auth(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, body.get("component_appid"))
        appid = _take_auth_code(data, body.get("authorization_code"))["appid"]
        auth = _active_authorizer(data, appid, 61003)
        access_token = issue_token(auth["access_tokens"], sb.config)
        info = {
            "authorizer_appid": appid, "authorizer_access_token": access_token,
            "expires_in": sb.config["TOKEN_TTL"], "authorizer_refresh_token": auth["refresh_token"],
            "func_info": _func_info(auth),
        }
    return {"authorization_info": info}


def authorizer_token(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, body.get("component_appid"))
        auth = _active_authorizer(data, body.get("authorizer_appid"), 61023)
        if body.get("authorizer_refresh_token") != auth["refresh_token"]:
            raise ApiError(61023)
        access_token = issue_token(auth["access_tokens"], sb.config)
    return {
        "authorizer_access_token": access_token, "expires_in": sb.config["TOKEN_TTL"],
        "authorizer_refresh_token": auth["refresh_token"],
    }


def get_authorizer_info(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, body.get("component_appid"))
        appid = body.get("authorizer_appid")
        auth = _active_authorizer(data, appid, 61003)
        account = data["accounts"][appid]
    return {
        "authorizer_info": authorizer_info(account, sb.config["PUBLIC_BASE"]),
        "authorization_info": {
            "authorizer_appid": appid, "authorizer_refresh_token": auth["refresh_token"],
            "func_info": _func_info(auth),
        },
    }


def require_authorizer_token(data: dict, token: str | None) -> tuple[str, dict]:
    """The (appid, authorizer) owning ``token``; 41001 / 40001 / 42001 like WeChat."""
    if not token:
        raise ApiError(41001)
    for appid, auth in data["authorizers"].items():
        if token in auth["access_tokens"]:
            check_token(auth["access_tokens"], token)
            return appid, auth
    raise ApiError(40001)


def revoke(sb, appid: str) -> dict:
    """The merchant cancels the authorization in WeChat: tokens die, the platform is told."""
    with sb.state.transaction() as data:
        auth = _active_authorizer(data, appid, 61003)
        auth.update(revoked=True, revoked_at=now(), access_tokens={}, refresh_token=None)
    return sb.pusher.push_component_event({"InfoType": "unauthorized", "AuthorizerAppid": appid})


def expire_tokens(sb) -> None:
    """Expire every access token now (component, authorizer, shopper OAuth): the next use yields 42001."""
    past = now() - 1
    with sb.state.transaction() as data:
        tokens = [data["component_tokens"]] + [a["access_tokens"] for a in data["authorizers"].values()]
        for mapping in tokens:
            for token in mapping:
                mapping[token] = past
        for record in data["sns_tokens"].values():
            record["expires_at"] = past


MAX_LIST_COUNT = 500


def get_authorizer_list(sb, token: str | None, body: dict) -> dict:
    """api_get_authorizer_list: every account authorized to the component, with its refresh token."""
    try:
        offset, count = int(body.get("offset", 0)), int(body.get("count", 0))
    except (TypeError, ValueError):
        raise ApiError(40097) from None
    if offset < 0 or not 1 <= count <= MAX_LIST_COUNT:
        raise ApiError(40097)
    with sb.state.transaction() as data:
        require_component(sb, data, token, body.get("component_appid"))
        active = sorted((auth["authorized_at"], appid) for appid, auth in data["authorizers"].items()
                        if not auth["revoked"])
        rows = [{"authorizer_appid": appid, "refresh_token": data["authorizers"][appid]["refresh_token"],
                 "auth_time": int(at)} for at, appid in active[offset: offset + count]]
    return {"total_count": len(active), "list": rows}


CLEAR_QUOTA_PER_MONTH = 10


def clear_quota(sb, data: dict, subject: str) -> dict:
    """Reset the daily API quota of ``subject`` (the component or an authorizer): 10 times a month."""
    month = time.strftime("%Y-%m")
    used = data.setdefault("quota_clears", {}).setdefault(subject, {})
    if used.get(month, 0) >= CLEAR_QUOTA_PER_MONTH:
        raise ApiError(48006)
    used[month] = used.get(month, 0) + 1
    return {"errcode": 0, "errmsg": "ok"}


def component_clear_quota(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        require_component(sb, data, token, body.get("component_appid"))
        if body.get("appsecret") != sb.config["COMPONENT_SECRET"]:
            raise ApiError(40125)
        return clear_quota(sb, data, sb.config["COMPONENT_APPID"])


def authorizer_clear_quota(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        appid, _auth = require_authorizer_token(data, token)
        if body.get("appid") != appid:
            raise ApiError(40013)
        return clear_quota(sb, data, appid)
