"""The token store: the component_verify_ticket, the component token, authorizer tokens.

* The **ticket** is kept in the database (``ComponentTicket``), newest push wins, and it is used until
  a newer one arrives — a restart or a missed push never leaves the platform without one.
* The **component_access_token** is cached (Redis in production) under a key naming the component
  appid, with a TTL of ``expires_in − MARGIN``, and refreshed ``REFRESH_AHEAD`` seconds before it
  expires. Refreshing happens under ``cache.lock("wechat:component_token:<component appid>")`` and
  re-reads the cache after taking the lock (double-checked), so across all processes one refresher
  calls WeChat and the others reuse its token — concurrent refreshes would invalidate each other.
  Keys and locks name the component appid, so two platforms sharing a Redis never mix tokens.
* **Authorizer access tokens** are cached the same way, one key and one lock per appid.
* **Authorizer refresh tokens** live in the database, encrypted with ``DATA_KEY``, and are replaced
  whenever WeChat returns a new one (re-authorizing issues a new one and the old one stops working).
  When WeChat refuses the stored one (61023) or none is stored, the current one is recovered from
  ``api_get_authorizer_list`` and tried once; only then is the authorizer marked broken (the merchant
  must authorize again). 61003 marks it unauthorized.

A refresh commits the session: a new refresh token or a broken authorization must be recorded even
when the caller's own work fails afterwards.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kaidian.platform.cache import get_cache
from kaidian.platform.extensions import db
from kaidian.platform.models import utcnow
from kaidian.platform.secrets import decrypt_secret, encrypt_secret, rotate_secret
from kaidian.platform.tenancy import all_tenants

from . import authorizers
from .client import ComponentClient
from .errors import (
    NotAuthorized,
    NoTicketYet,
    RefreshTokenInvalid,
    TicketInvalid,
    WeChatError,
    WeChatUnavailable,
)
from .models import Authorizer, AuthorizerStatus, ComponentTicket

log = logging.getLogger(__name__)

MARGIN = 300  # a cached token disappears this long before WeChat's expiry
REFRESH_AHEAD = 900  # ...and is refreshed this long before it (by callers and by the periodic job)
LOCK_TIMEOUT, LOCK_WAIT = 60, 30


def client() -> ComponentClient:
    return ComponentClient.from_app(component_token)


def _appid() -> str:
    return current_app.config["WECHAT_COMPONENT_APPID"]


# --- the ticket ---------------------------------------------------------------------------------


def save_ticket(ticket: str, create_time: int) -> bool:
    """Keep ``ticket`` unless a newer one is already stored; True when it was stored."""
    created_at = datetime.fromtimestamp(create_time, UTC)
    row = db.session.get(ComponentTicket, _appid())
    if row is not None and (row.created_at > created_at or row.ticket == ticket):
        return row.ticket == ticket  # an older push, or this one replayed: nothing to change
    if row is None:
        row = ComponentTicket(component_appid=_appid())
        db.session.add(row)
    row.ticket, row.created_at, row.received_at = ticket, created_at, utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # two first pushes at once: the other one is stored, try again over it
        db.session.rollback()
        return save_ticket(ticket, create_time)
    return True


def ticket_status() -> ComponentTicket | None:
    """The stored ticket row (when it arrived), or None before the first push."""
    return db.session.get(ComponentTicket, _appid())


def current_ticket() -> str:
    row = db.session.get(ComponentTicket, _appid())
    if row is None:
        raise NoTicketYet(61006, "no component_verify_ticket received yet", "api_component_token")
    return row.ticket


def ticket_received() -> bool:
    """Whether any component_verify_ticket has reached the platform (the admin says so when not)."""
    return db.session.get(ComponentTicket, _appid()) is not None


def ask_for_ticket() -> None:
    """Ask WeChat to push a ticket now (after a fresh install, or when WeChat called ours invalid)."""
    try:
        ComponentClient.from_app().start_push_ticket()
    except WeChatError as error:
        log.warning("api_start_push_ticket failed: %s", error)


# --- cached tokens ------------------------------------------------------------------------------


def _entry(key: str) -> dict | None:
    raw = get_cache().get(key)
    return json.loads(raw) if raw else None


def _usable(key: str, stale: str | None) -> str | None:
    """The cached token unless it is ``stale`` (just refused by WeChat) or due for a refresh."""
    entry = _entry(key)
    if entry is None or entry["token"] == stale or entry["expires_at"] - time.time() <= REFRESH_AHEAD:
        return None
    return entry["token"]


def _remember(key: str, token: str, expires_in: int) -> None:
    expires_in = int(expires_in)
    entry = {"token": token, "expires_at": time.time() + expires_in}
    get_cache().set(key, json.dumps(entry), ttl=max(expires_in - MARGIN, 1))


def is_due(key: str) -> bool:
    return _usable(key, None) is None


def component_key() -> str:
    return f"wechat:component_token:{_appid()}"


def authorizer_key(appid: str) -> str:
    return f"wechat:authorizer_token:{_appid()}:{appid}"


def _still_valid(key: str, stale: str | None) -> str | None:
    entry = _entry(key)
    if entry and entry["token"] != stale and entry["expires_at"] > time.time():
        return entry["token"]
    return None


# --- the component token ---------------------------------------------------------------------------


def component_token(stale: str | None = None) -> str:
    """A usable component_access_token (never ``stale``), refreshed by one process at a time."""
    key = component_key()
    token = _usable(key, stale)
    if token:
        return token
    with get_cache().lock(key, timeout=LOCK_TIMEOUT, wait=LOCK_WAIT):  # the lock lives apart from the key
        return _usable(key, stale) or _refresh_component_token(key, stale)


def _refresh_component_token(key: str, stale: str | None) -> str:
    try:
        data = ComponentClient.from_app().fetch_component_token(current_ticket())
    except TicketInvalid:
        ask_for_ticket()
        raise
    except WeChatUnavailable:  # WeChat unreachable: a token that has not expired yet still works
        token = _still_valid(key, stale)
        if token is None:
            raise
        return token
    _remember(key, data["component_access_token"], data["expires_in"])
    return data["component_access_token"]


# --- authorizer tokens -----------------------------------------------------------------------------


def authorizer_token(authorizer: Authorizer, stale: str | None = None) -> str:
    """A usable access token for ``authorizer`` (never ``stale``), one refresher per appid."""
    key = authorizer_key(authorizer.appid)
    token = _usable(key, stale)
    if token:
        return token
    with get_cache().lock(key, timeout=LOCK_TIMEOUT, wait=LOCK_WAIT):
        return _usable(key, stale) or refresh_authorizer_token(authorizer)


def authorizer_token_getter(authorizer: Authorizer):
    return lambda stale: authorizer_token(authorizer, stale)


def refresh_authorizer_token(authorizer: Authorizer) -> str:
    """A fresh access token for ``authorizer``. When WeChat refuses the stored refresh token (or none is
    stored), the current one is recovered from ``api_get_authorizer_list`` and tried once before the
    account is marked broken and the merchant asked to authorize again."""
    if authorizer.status != AuthorizerStatus.AUTHORIZED:
        raise NotAuthorized(61003, "the authorizer is not bound", "api_authorizer_token")
    stored = decrypt_secret(authorizer.refresh_token_encrypted) if authorizer.refresh_token_encrypted else ""
    try:
        data = _exchange_refresh_token(authorizer, stored)
    except RefreshTokenInvalid as error:
        data = _with_recovered_refresh_token(authorizer, stored, error)
    except NotAuthorized as error:
        _lost(authorizer, error)
        raise
    remember_authorizer_tokens(authorizer, data["authorizer_access_token"], data["expires_in"],
                               data.get("authorizer_refresh_token"))
    db.session.commit()
    return data["authorizer_access_token"]


def _exchange_refresh_token(authorizer: Authorizer, refresh_token: str) -> dict:
    if not refresh_token:
        raise RefreshTokenInvalid(61023, "no refresh token stored", "api_authorizer_token")
    body = {"authorizer_appid": authorizer.appid, "authorizer_refresh_token": refresh_token}
    return client().component_call("api_authorizer_token", body)


def _with_recovered_refresh_token(authorizer: Authorizer, stored: str, error: WeChatError) -> dict:
    recovered = recover_refresh_token(authorizer.appid)
    if not recovered or recovered == stored:
        _lost(authorizer, error)
        raise error
    log.warning("authorizer %s: refresh token recovered from api_get_authorizer_list", authorizer.appid)
    try:
        data = _exchange_refresh_token(authorizer, recovered)
    except (RefreshTokenInvalid, NotAuthorized) as again:
        _lost(authorizer, again)
        raise
    return {"authorizer_refresh_token": recovered, **data}


LIST_PAGE = 500  # the most api_get_authorizer_list gives per call
MAX_LIST_PAGES = 200  # 100,000 authorizations: a bound on the walk, far above any platform's count


def recover_refresh_token(appid: str) -> str:
    """The refresh token WeChat holds for ``appid`` (``api_get_authorizer_list``), or "" when it has none."""
    for page in range(MAX_LIST_PAGES):
        try:
            data = client().component_call("api_get_authorizer_list", {"offset": page * LIST_PAGE, "count": LIST_PAGE})
        except WeChatError as error:
            log.warning("api_get_authorizer_list failed: %s", error)
            return ""
        rows = data.get("list") or []
        for row in rows:
            if row.get("authorizer_appid") == appid:
                return str(row.get("refresh_token") or "")
        if len(rows) < LIST_PAGE or (page + 1) * LIST_PAGE >= int(data.get("total_count") or 0):
            return ""
    return ""


def _lost(authorizer: Authorizer, error: WeChatError) -> None:
    broken = isinstance(error, RefreshTokenInvalid)
    log.warning("authorizer %s %s: %s", authorizer.appid, "broken" if broken else "unauthorized", error)
    forget_authorizer_token(authorizer.appid)
    authorizers.set_status(authorizer, AuthorizerStatus.BROKEN if broken else AuthorizerStatus.UNAUTHORIZED)


def remember_authorizer_tokens(authorizer: Authorizer, access_token: str | None, expires_in: int | None,
                               refresh_token: str | None) -> None:
    """Cache the access token; store the refresh token (encrypted) when it is new. The caller commits."""
    if refresh_token and not _same_secret(authorizer.refresh_token_encrypted, refresh_token):
        authorizer.refresh_token_encrypted = encrypt_secret(refresh_token)
    if access_token and expires_in:
        _remember(authorizer_key(authorizer.appid), access_token, expires_in)


def _same_secret(encrypted: str, plaintext: str) -> bool:
    return bool(encrypted) and decrypt_secret(encrypted) == plaintext


def forget_authorizer_token(appid: str) -> None:
    get_cache().delete(authorizer_key(appid))


# --- DATA_KEY rotation -----------------------------------------------------------------------------


def rotate_refresh_tokens() -> int:
    """Re-encrypt every stored refresh token with the first DATA_KEY (``flask kaidian rotate-data-key``)."""
    with all_tenants():
        rows = db.session.execute(select(Authorizer).where(Authorizer.refresh_token_encrypted != "")).scalars().all()
        for row in rows:
            row.refresh_token_encrypted = rotate_secret(row.refresh_token_encrypted)
        db.session.flush()
    return len(rows)
