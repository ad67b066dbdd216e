"""A small client for WeChat's component (third-party platform) API, over ``requests``.

Why it is written here rather than taken from a library: wechatpy's ``WeChatComponent`` keeps the
component_verify_ticket in a session storage that defaults to process memory (a restart or a second
worker loses it: 61006), keyed its cache without the component appid until 2021, refreshes the
component token without any cross-process lock (concurrent refreshes invalidate each other: 40001),
and its maintained releases cover the newer component endpoints only partly. What Kaidian needs is
small and exactly specified — a JSON POST per call, ``errcode`` mapped to exceptions, one retry after
a token refresh, a bounded backoff — and the token store (``tokens.py``) must own the durable ticket,
the Redis cache and the lock. So the transport is here, ~150 lines, and nothing else.

Calls go to ``WECHAT_API_BASE`` (the pages merchants and shoppers are sent to use ``WECHAT_MP_BASE``
and ``WECHAT_OPEN_BASE``; all three are the real hosts in production and the sandbox in development and
tests) with ``WECHAT_HTTP_TIMEOUT``. Errors are raised as the classes of :mod:`kaidian.wechat.errors`:

* 40001 / 40014 / 42001 (bad or expired token): the token is refreshed once and the call retried once;
* -1 (busy) and 45011 (per-minute quota): retried after ``BACKOFF_DELAYS`` (bounded), then raised;
* 45009 (daily quota) and 61004 (server IP not whitelisted): never retried — they do not clear in a
  second — and each raises an operator alert (:mod:`.alerts`) before it is raised to the caller.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable

import requests
from flask import current_app

from . import alerts
from .errors import OPERATOR_ERRORS, Busy, MinuteQuotaExceeded, TokenExpired, WeChatUnavailable, error_for

log = logging.getLogger(__name__)

BACKOFF_DELAYS: tuple[float, ...] = (0.2, 0.8)  # seconds before the 2nd and 3rd attempt on -1 / quota errors
TokenGetter = Callable[[str | None], str]  # get(stale) -> a token other than ``stale``

_sessions: dict[int, requests.Session] = {}


def _session() -> requests.Session:
    """One pooled session per process (a forked RQ work horse must not share the parent's sockets)."""
    pid = os.getpid()
    if pid not in _sessions:
        _sessions[pid] = requests.Session()
    return _sessions[pid]


def with_backoff(call: Callable[[], dict]) -> dict:
    for delay in (*BACKOFF_DELAYS, None):
        try:
            return call()
        except (Busy, MinuteQuotaExceeded) as error:
            if delay is None:
                raise
            log.warning("wechat %s answered %s; retrying in %.1fs", error.endpoint, error.errcode, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def with_token(get_token: TokenGetter, send: Callable[[str], dict]) -> dict:
    """``send(token)``; on a bad or expired token, get a fresh one and retry exactly once."""
    token = get_token(None)
    try:
        return with_backoff(lambda: send(token))
    except TokenExpired:
        fresh = get_token(token)
        return with_backoff(lambda: send(fresh))


class ComponentClient:
    """WeChat's API as the component sees it. ``component_token`` is the token store's getter."""

    def __init__(self, config, component_token: TokenGetter | None = None) -> None:
        self.appid = config["WECHAT_COMPONENT_APPID"]
        self.secret = config["WECHAT_COMPONENT_SECRET"]
        self.api_base = config["WECHAT_API_BASE"].rstrip("/")
        self.timeout = config["WECHAT_HTTP_TIMEOUT"]
        self.component_token = component_token

    @classmethod
    def from_app(cls, component_token: TokenGetter | None = None) -> ComponentClient:
        return cls(current_app.config, component_token)

    # --- transport ------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None,
                subject: str = "") -> dict:
        """One call; ``subject`` names the account whose quota it uses (the component by default)."""
        name = path.rsplit("/", 1)[-1]
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        try:
            response = _session().request(
                method, self.api_base + path, params=params, data=data, timeout=self.timeout,
                headers={"Content-Type": "application/json; charset=utf-8"} if data is not None else None)
            payload = json.loads(response.content)
        except (requests.RequestException, ValueError) as exc:
            raise WeChatUnavailable(0, f"{exc.__class__.__name__}", name) from exc
        if not isinstance(payload, dict):
            raise WeChatUnavailable(0, "answer is not a JSON object", name)
        if payload.get("errcode"):
            error = error_for(payload, name)
            if isinstance(error, OPERATOR_ERRORS):
                alerts.record(error, subject or self.appid)
            raise error
        return payload

    def request_image(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None,
                      subject: str = "") -> tuple[str, bytes]:
        """A call answered with an image (``/wxa/get_qrcode``, ``get_material``): (content type, bytes).
        WeChat answers its JSON error instead when it refuses; that is raised as for :meth:`request`."""
        name = path.rsplit("/", 1)[-1]
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        try:
            response = _session().request(method, self.api_base + path, params=params, data=data,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            raise WeChatUnavailable(0, f"{exc.__class__.__name__}", name) from exc
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        if kind.startswith("image/"):
            return kind, response.content
        try:
            payload = json.loads(response.content)
        except ValueError as exc:
            raise WeChatUnavailable(0, "answer is neither an image nor JSON", name) from exc
        error = error_for(payload if isinstance(payload, dict) else {}, name)
        if isinstance(error, OPERATOR_ERRORS):
            alerts.record(error, subject or self.appid)
        raise error

    # --- the component's own calls ------------------------------------------------------------------

    def start_push_ticket(self) -> dict:
        body = {"component_appid": self.appid, "component_secret": self.secret}
        return with_backoff(lambda: self.request("POST", "/cgi-bin/component/api_start_push_ticket", body=body))

    def fetch_component_token(self, ticket: str) -> dict:
        body = {"component_appid": self.appid, "component_appsecret": self.secret,
                "component_verify_ticket": ticket}
        return with_backoff(lambda: self.request("POST", "/cgi-bin/component/api_component_token", body=body))

    def component_call(self, name: str, body: dict | None = None) -> dict:
        """POST /cgi-bin/component/<name>?component_access_token=… with ``component_appid`` added."""
        payload = {"component_appid": self.appid, **(body or {})}
        path = f"/cgi-bin/component/{name}"
        return with_token(self.component_token,
                          lambda token: self.request("POST", path, params={"component_access_token": token},
                                                     body=payload))

    def sns_call(self, path: str, params: dict) -> dict:
        """GET /sns/… on behalf of an official account (component_appid + component_access_token)."""
        query = {**params, "component_appid": self.appid}
        return with_token(self.component_token,
                          lambda token: self.request("GET", path, params={**query, "component_access_token": token}))

    def jscode2session(self, appid: str, js_code: str) -> dict:
        """A mini program's ``wx.login`` code → ``{openid, session_key, unionid?}`` (component mode: the
        component's token stands in for the mini program's secret)."""
        return self.sns_call("/sns/component/jscode2session",
                             {"appid": appid, "js_code": js_code, "grant_type": "authorization_code"})

    # --- acting for an authorizer ---------------------------------------------------------------------

    def authorizer_call(self, get_token: TokenGetter, method: str, path: str, *, params: dict | None = None,
                        body: dict | None = None, appid: str = "") -> dict:
        """Call ``path`` with ``?access_token=<authorizer_access_token>`` from ``get_token`` (for ``appid``)."""
        return with_token(get_token,
                          lambda token: self.request(method, path, params={**(params or {}), "access_token": token},
                                                     body=body, subject=appid))

    def plain_call(self, method: str, path: str, params: dict) -> dict:
        """A call whose token comes with the request (e.g. /sns/userinfo with the shopper's token)."""
        return with_backoff(lambda: self.request(method, path, params=params))
