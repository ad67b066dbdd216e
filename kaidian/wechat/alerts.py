"""Operator alerts: WeChat failures that only a platform operator can fix.

* **61004** — this server's outgoing IP is not in the platform's whitelist (WeChat Open Platform →
  管理中心 → 第三方平台 → 开发资料 → 白名单IP). Nothing works until it is added.
* **45009** — an account's (or the component's) daily API quota is used up. It comes back the next day;
  an operator may reset it earlier with ``clear_quota`` (10 resets per account per month).

Each alert is logged at ERROR with ``alert=<kind>`` (for log-based paging) and kept, one entry per
(kind, account), in the cache for ``ALERT_TTL`` with a count and first/last times, so the console's
WeChat page (``/platform/wechat``) lists them. They live in the cache, not the database, because they are
raised inside callers' transactions that may roll back — an alert must survive that.
"""

from __future__ import annotations

import json
import logging
import time

from flask import current_app
from flask_babel import lazy_gettext as _l

from kaidian.platform.cache import get_cache

from .errors import DailyQuotaExceeded, IpNotWhitelisted, WeChatError

log = logging.getLogger(__name__)

ALERT_TTL = 30 * 86400
IP_WHITELIST, DAILY_QUOTA = "ip_whitelist", "daily_quota"

KIND_OF: dict[type[WeChatError], str] = {IpNotWhitelisted: IP_WHITELIST, DailyQuotaExceeded: DAILY_QUOTA}

WHAT_TO_DO: dict[str, object] = {
    IP_WHITELIST: _l("Add this server's outgoing IP addresses to the whitelist of the third-party platform "
                     "(WeChat Open Platform → Management Center → Third-party platform → Development settings → "
                     "IP whitelist). Calls fail until then."),
    DAILY_QUOTA: _l("The daily API quota of this account is used up; it comes back tomorrow. Reset it now "
                    "only if the store cannot wait (at most 10 resets a month)."),
}


def _key() -> str:
    return f"wechat:alerts:{current_app.config['WECHAT_COMPONENT_APPID']}"


def _load() -> dict[str, dict]:
    raw = get_cache().get(_key())
    return json.loads(raw) if raw else {}


def _save(entries: dict[str, dict]) -> None:
    get_cache().set(_key(), json.dumps(entries), ttl=ALERT_TTL)


def record(error: WeChatError, subject: str) -> None:
    """Log and keep an alert for ``error`` on account ``subject`` (never raises)."""
    kind = next((name for cls, name in KIND_OF.items() if isinstance(error, cls)), None)
    if kind is None:
        return
    log.error("wechat operator alert: %s on %s (%s errcode %s)", kind, subject, error.endpoint, error.errcode,
              extra={"alert": kind, "subject": subject, "errcode": error.errcode})
    try:
        with get_cache().lock(_key() + ":lock", timeout=5, wait=2):
            entries = _load()
            now = int(time.time())
            entry = entries.get(f"{kind}:{subject}") or {"kind": kind, "subject": subject, "count": 0, "first_at": now}
            entry.update(count=entry["count"] + 1, last_at=now, errcode=error.errcode, endpoint=error.endpoint)
            entries[f"{kind}:{subject}"] = entry
            _save(entries)
    except Exception:  # an alert must never turn a WeChat error into another failure
        log.exception("could not keep the wechat alert")


def open_alerts() -> list[dict]:
    return sorted(_load().values(), key=lambda entry: entry["last_at"], reverse=True)


def find(kind: str, subject: str) -> dict | None:
    return _load().get(f"{kind}:{subject}")


def resolve(kind: str, subject: str) -> bool:
    with get_cache().lock(_key() + ":lock", timeout=5, wait=2):
        entries = _load()
        found = entries.pop(f"{kind}:{subject}", None)
        _save(entries)
    return found is not None
