"""WeChat's mini-program code-management calls, made through the WeChat package's client and token store
(one refresher per token across processes, one retry after a refreshed token, a short backoff on -1 and
45011). Functions take the ``Authorizer`` (authorizer token) or nothing (component token: the template
library) and return WeChat's answer; refusals raise :mod:`kaidian.wechat.errors` classes.

The bulk upgrade spends a shared budget (``MINIPROGRAM_CALLS_PER_MINUTE``, counted in Redis across
workers) through :func:`throttle` before each call, so 500 stores never burst past WeChat's quotas.
"""

from __future__ import annotations

import json
import time

from flask import current_app

from kaidian.platform.cache import get_redis
from kaidian.wechat import tokens
from kaidian.wechat.client import with_backoff, with_token
from kaidian.wechat.models import Authorizer

MAX_THROTTLE_WAIT = 65.0  # seconds: at most one window


def _call(authorizer: Authorizer, method: str, path: str, *, params: dict | None = None,
          body: dict | None = None) -> dict:
    return tokens.client().authorizer_call(tokens.authorizer_token_getter(authorizer), method, path,
                                           params=params, body=body, appid=authorizer.appid)


def _component(method: str, path: str, *, params: dict | None = None, body: dict | None = None) -> dict:
    client = tokens.client()
    return with_token(tokens.component_token,
                      lambda token: client.request(method, path, params={**(params or {}), "access_token": token},
                                                   body=body))


# --- the template library (component token) ---------------------------------------------------------------


def draft_list() -> list[dict]:
    return _component("GET", "/wxa/gettemplatedraftlist").get("draft_list") or []


def add_to_template(draft_id: int, template_type: int = 0) -> None:
    _component("POST", "/wxa/addtotemplate", body={"draft_id": draft_id, "template_type": template_type})


def template_list(template_type: int = 0) -> list[dict]:
    return _component("GET", "/wxa/gettemplatelist", params={"template_type": template_type}).get("template_list") or []


def delete_template(template_id: int) -> None:
    _component("POST", "/wxa/deletetemplate", body={"template_id": template_id})


# --- an authorizer's mini program -----------------------------------------------------------------------------


def set_server_domains(authorizer: Authorizer, domains: dict[str, list[str]]) -> dict:
    return _call(authorizer, "POST", "/wxa/modify_domain", body={"action": "set", **domains})


def set_webview_domains(authorizer: Authorizer, domains: list[str]) -> dict:
    return _call(authorizer, "POST", "/wxa/setwebviewdomain", body={"action": "set", "webviewdomain": domains})


def webview_domains(authorizer: Authorizer) -> list[str]:
    return _call(authorizer, "POST", "/wxa/setwebviewdomain", body={"action": "get"}).get("webviewdomain") or []


def set_privacy(authorizer: Authorizer, settings: dict) -> dict:
    return _call(authorizer, "POST", "/cgi-bin/component/setprivacysetting", body=settings)


def categories(authorizer: Authorizer) -> list[dict]:
    return _call(authorizer, "GET", "/wxa/get_category").get("category_list") or []


def pages(authorizer: Authorizer) -> list[str]:
    return _call(authorizer, "GET", "/wxa/get_page").get("page_list") or []


def commit(authorizer: Authorizer, template_id: int, ext_json: str, user_version: str, user_desc: str) -> dict:
    body = {"template_id": template_id, "ext_json": ext_json, "user_version": user_version, "user_desc": user_desc}
    return _call(authorizer, "POST", "/wxa/commit", body=body)


def submit_audit(authorizer: Authorizer, item_list: list[dict], version_desc: str) -> int:
    answer = _call(authorizer, "POST", "/wxa/submit_audit", body={"item_list": item_list, "version_desc": version_desc})
    return int(answer["auditid"])


def audit_status(authorizer: Authorizer, auditid: int) -> dict:
    return _call(authorizer, "POST", "/wxa/get_auditstatus", body={"auditid": auditid})


def latest_audit_status(authorizer: Authorizer) -> dict:
    return _call(authorizer, "GET", "/wxa/get_latest_auditstatus")


def undo_audit(authorizer: Authorizer) -> None:
    _call(authorizer, "GET", "/wxa/undocodeaudit")


def release(authorizer: Authorizer) -> None:
    _call(authorizer, "POST", "/wxa/release", body={})  # an empty body is refused (44002)


def revert_release(authorizer: Authorizer) -> None:
    """The release before the current one goes back online (one step; WeChat keeps no further)."""
    _call(authorizer, "GET", "/wxa/revertcoderelease")


def version_info(authorizer: Authorizer) -> dict:
    """``getversioninfo``: the trial version (``exp_info`` {exp_time, exp_version, exp_desc}) and the one
    online (``release_info`` {release_time, release_version, release_desc}); the body must be ``{}``."""
    return _call(authorizer, "POST", "/wxa/getversioninfo", body={})


def qrcode(authorizer: Authorizer, path: str = "") -> tuple[str, bytes]:
    client = tokens.client()
    return with_token(tokens.authorizer_token_getter(authorizer), lambda token: with_backoff(
        lambda: client.request_image("GET", "/wxa/get_qrcode", params={"access_token": token, "path": path},
                                     subject=authorizer.appid)))


def screenshot(authorizer: Authorizer, media_id: str) -> tuple[str, bytes]:
    client = tokens.client()
    return with_token(tokens.authorizer_token_getter(authorizer), lambda token: with_backoff(
        lambda: client.request_image("POST", "/cgi-bin/material/get_material", params={"access_token": token},
                                     body={"media_id": media_id}, subject=authorizer.appid)))


# --- the bulk upgrade's budget ------------------------------------------------------------------------------


def throttle(calls: int = 1) -> float:
    """Take ``calls`` from this minute's budget, waiting for the next minute when it is spent (Redis: shared
    by every worker; without Redis nothing is shared and nothing waits). The seconds waited."""
    redis = get_redis()
    limit = int(current_app.config["MINIPROGRAM_CALLS_PER_MINUTE"])
    if redis is None or limit <= 0:
        return 0.0
    waited = 0.0
    while waited < MAX_THROTTLE_WAIT:
        window = int(time.time() // 60)
        key = f"mp:budget:{current_app.config['WECHAT_COMPONENT_APPID']}:{window}"
        used = redis.incrby(key, calls)
        redis.expire(key, 120)
        if used <= limit:
            return waited
        pause = 60 - time.time() % 60 + 0.05
        time.sleep(pause)
        waited += pause
    return waited


def ext_json_text(config: dict) -> str:
    return json.dumps(config, ensure_ascii=False, separators=(",", ":"))
