"""The authorization flow: a store binds its official account or mini program to Kaidian.

1. ``start`` asks WeChat for a pre-auth code, remembers *(store, pre-auth code)* in the cache for as
   long as WeChat says the code lives, and returns WeChat's authorization page (the mobile page for a
   WeChat browser) with a return URL carrying a random ``state`` naming that record.
2. The merchant confirms in WeChat. WeChat then both pushes ``authorized`` (with the pre-auth code and
   the authorization code) and redirects the browser back with ``auth_code``. Whichever arrives first
   exchanges the code — ``api_query_auth`` then ``api_get_authorizer_info`` — under a lock named after
   the code; the outcome is cached under the code, so the other path (and any replay) only reads it.
3. Binding: the appid is looked up in every store. Bound nowhere → a new ``Authorizer`` for the
   store; bound to this store → that record is updated (re-authorizing never duplicates); bound and
   active in **another** store → refused (``AppIdTaken``), though that store's record still gets the
   fresh tokens and permission sets, since WeChat has one authorization per appid. A record left
   ``unauthorized`` in another store is released to the new one.
4. A push for an authorization Kaidian did not start (``updateauthorized`` after the merchant changed
   permission sets in WeChat) updates the store already holding the appid, and is otherwise ignored.
   ``unauthorized`` marks the record unbound unless it is older than the latest authorization.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
import uuid
from urllib.parse import urlencode

from flask import current_app

from kaidian.billing import services as billing
from kaidian.platform.cache import get_cache
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant, utcnow
from kaidian.platform.tenancy import tenant_context

from . import authorizers, tokens
from .errors import AccountUnusable, AppIdTaken, AuthorizationExpired, BadCode, WeChatError, WeChatRefused
from .models import Authorizer, AuthorizerKind, AuthorizerStatus

log = logging.getLogger(__name__)

AUTH_TYPES = {AuthorizerKind.OFFICIAL_ACCOUNT: "1", AuthorizerKind.MINI_PROGRAM: "2"}
OUTCOME_TTL = 24 * 3600
BOUND, TAKEN, UNUSABLE = "bound", "taken", "unusable"
# account_status in api_get_authorizer_info: 1 normal, 14 cancelled, 16 banned for good, 18 warned, 19 frozen.
UNUSABLE_ACCOUNT_STATUSES = {14, 16, 19}


# --- 1. start ------------------------------------------------------------------------------------


def start(tenant: Tenant, kind: AuthorizerKind, return_url: str, mobile: bool = False, appid: str = "") -> str:
    """The URL of WeChat's authorization page for ``tenant``: the mobile page inside WeChat's browser;
    ``appid`` pins one account (authorizing it again). A mini program needs a plan with it."""
    if kind == AuthorizerKind.MINI_PROGRAM:
        billing.require_feature(tenant, "mini_program")
    try:
        data = tokens.client().component_call("api_create_preauthcode")
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    code, ttl = data["pre_auth_code"], int(data.get("expires_in") or 600)
    state = secrets.token_urlsafe(16)
    pending = {"tenant_id": str(tenant.id), "pre_auth_code": code}
    get_cache().set(_pending_key(code), json.dumps(pending), ttl=ttl)
    get_cache().set(_state_key(state), code, ttl=ttl)
    separator = "&" if "?" in return_url else "?"
    redirect_uri = f"{return_url}{separator}{urlencode({'state': state})}"
    return page_url(code, kind, redirect_uri, mobile=mobile, appid=appid)


billing.declare_check("mini_program", f"{__name__}.start")


def is_wechat_browser(user_agent: str | None) -> bool:
    return "MicroMessenger" in (user_agent or "")


def page_url(pre_auth_code: str, kind: AuthorizerKind, redirect_uri: str, mobile: bool, appid: str = "") -> str:
    query = {"component_appid": current_app.config["WECHAT_COMPONENT_APPID"], "pre_auth_code": pre_auth_code,
             "redirect_uri": redirect_uri}
    query.update({"biz_appid": appid} if appid else {"auth_type": AUTH_TYPES[kind]})
    base = current_app.config["WECHAT_MP_BASE"].rstrip("/")
    if mobile:
        query = {"action": "bindcomponent", "no_scan": "1", **query}
        return f"{base}/safe/bindcomponent?{urlencode(query)}#wechat_redirect"
    return f"{base}/cgi-bin/componentloginpage?{urlencode(query)}"


def _pending_key(pre_auth_code: str) -> str:
    return "wechat:preauth:" + hashlib.sha256(pre_auth_code.encode()).hexdigest()


def _state_key(state: str) -> str:
    return "wechat:authstate:" + hashlib.sha256(state.encode()).hexdigest()


def _outcome_key(auth_code: str) -> str:
    return "wechat:authcode:" + hashlib.sha256(auth_code.encode()).hexdigest()


def _pending(pre_auth_code: str) -> dict | None:
    raw = get_cache().get(_pending_key(pre_auth_code)) if pre_auth_code else None
    return json.loads(raw) if raw else None


# --- 2. the merchant comes back ------------------------------------------------------------------


def complete(tenant: Tenant, state: str, auth_code: str) -> Authorizer:
    """The return URL was opened with ``auth_code``: the bound authorizer of ``tenant``."""
    code = get_cache().get(_state_key(state)) if state else None
    pending = _pending(code) if code else None
    if pending is None or pending["tenant_id"] != str(tenant.id) or not auth_code:
        raise AuthorizationExpired()
    try:
        outcome = exchange_once(auth_code, uuid.UUID(pending["tenant_id"]))
    except WeChatError as error:
        raise WeChatRefused.from_error(error) from error
    if outcome["result"] == TAKEN:
        raise AppIdTaken()
    if outcome["result"] == UNUSABLE:
        raise AccountUnusable(fields={"account_status": str(outcome.get("account_status", ""))})
    return authorizers.get(uuid.UUID(outcome["authorizer_id"]))


def exchange_once(auth_code: str, tenant_id: uuid.UUID) -> dict:
    """Exchange ``auth_code`` and bind, once: ``{"result", "appid", "authorizer_id"}``."""
    key = _outcome_key(auth_code)
    with get_cache().lock(key, timeout=60, wait=30):
        done = get_cache().get(key)
        if done:
            return json.loads(done)
        outcome = _exchange(auth_code, tenant_id)
        get_cache().set(key, json.dumps(outcome), ttl=OUTCOME_TTL)
        return outcome


def _exchange(auth_code: str, tenant_id: uuid.UUID) -> dict:
    client = tokens.client()
    info = client.component_call("api_query_auth", {"authorization_code": auth_code})["authorization_info"]
    appid = info["authorizer_appid"]
    details = client.component_call("api_get_authorizer_info", {"authorizer_appid": appid})["authorizer_info"]
    status = _account_status(details)
    if status in UNUSABLE_ACCOUNT_STATUSES:
        log.info("authorization of %s refused: account_status %s", appid, status)
        return {"result": UNUSABLE, "appid": appid, "account_status": status}
    authorizer_id, owner_id, result = bind(tenant_id, info, details)
    return {"result": result, "appid": appid, "authorizer_id": str(authorizer_id), "tenant_id": str(owner_id)}


# --- 3. binding ----------------------------------------------------------------------------------


def bind(tenant_id: uuid.UUID, info: dict, details: dict) -> tuple[uuid.UUID, uuid.UUID, str]:
    """Create or update the authorizer of ``info`` for ``tenant_id``: (its id, its store, outcome)."""
    existing = authorizers.find_by_appid(info["authorizer_appid"])
    if existing is not None and existing.tenant_id != tenant_id:
        if existing.status != AuthorizerStatus.UNAUTHORIZED:
            return (*_save(existing, info, details), TAKEN)
        _release(existing)
        existing = None
    with tenant_context(tenant_id):
        row = existing or Authorizer(tenant_id=tenant_id, appid=info["authorizer_appid"])
        if existing is None:
            db.session.add(row)
    return (*_save(row, info, details), BOUND)


def _release(row: Authorizer) -> None:
    with tenant_context(row.tenant_id):
        db.session.delete(row)
        db.session.flush()


def _save(row: Authorizer, info: dict, details: dict) -> tuple[uuid.UUID, uuid.UUID]:
    with tenant_context(row.tenant_id):
        apply_details(row, details)
        row.func_ids = ",".join(str(fid) for fid in sorted(_func_ids(info)))
        row.status, row.authorized_at = AuthorizerStatus.AUTHORIZED, utcnow()
        tokens.remember_authorizer_tokens(row, info.get("authorizer_access_token"), info.get("expires_in"),
                                          info.get("authorizer_refresh_token"))
        db.session.flush()
        ids = (row.id, row.tenant_id)
        db.session.commit()
    return ids


def apply_details(row: Authorizer, details: dict) -> None:
    """Copy what ``api_get_authorizer_info`` says about the account onto ``row``."""
    is_program = "MiniProgramInfo" in details
    row.kind = AuthorizerKind.MINI_PROGRAM if is_program else AuthorizerKind.OFFICIAL_ACCOUNT
    row.nick_name = str(details.get("nick_name", ""))[:100]
    row.head_img = str(details.get("head_img", ""))[:500]
    row.user_name = str(details.get("user_name", ""))[:64]
    row.principal_name = str(details.get("principal_name", ""))[:200]
    row.service_type = int((details.get("service_type_info") or {}).get("id", 0))
    row.verify_type = int((details.get("verify_type_info") or {}).get("id", -1))


def _account_status(details: dict) -> int:
    try:
        return int(details.get("account_status", 1))
    except (TypeError, ValueError):
        return 1


def _func_ids(info: dict) -> set[int]:
    found = set()
    for item in info.get("func_info") or []:
        category = (item or {}).get("funcscope_category") or {}
        if isinstance(category.get("id"), int):
            found.add(category["id"])
    return found


# --- 4. pushes -----------------------------------------------------------------------------------


def on_authorized(message: dict) -> None:
    """``authorized`` / ``updateauthorized``: bind for the store that started it, or update the holder."""
    auth_code = message.get("AuthorizationCode", "")
    pending = _pending(message.get("PreAuthCode", ""))
    holder = authorizers.find_by_appid(message.get("AuthorizerAppid", ""))
    tenant_id = uuid.UUID(pending["tenant_id"]) if pending else holder.tenant_id if holder else None
    if tenant_id is None or not auth_code:
        log.info("authorization push for %s matches no store; ignored", message.get("AuthorizerAppid"))
        return
    try:
        exchange_once(auth_code, tenant_id)
    except BadCode as error:  # exchanged already (outcome lost from the cache): nothing left to do
        log.info("authorization code already used: %s", error)


def on_unauthorized(message: dict) -> None:
    row = authorizers.find_by_appid(message.get("AuthorizerAppid", ""))
    if row is None or row.status == AuthorizerStatus.UNAUTHORIZED:
        return
    if _sent_at(message) < int(row.authorized_at.timestamp()):
        log.info("stale unauthorized push for %s ignored", row.appid)
        return
    tokens.forget_authorizer_token(row.appid)
    authorizers.set_status(row, AuthorizerStatus.UNAUTHORIZED)


def _sent_at(message: dict) -> int:
    try:
        return int(message["CreateTime"])
    except (KeyError, ValueError):
        return int(time.time())
