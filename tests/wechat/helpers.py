"""Drivers for the WeChat tests: the sandbox over HTTP, the merchant's and the shopper's browsers,
and signed pushes built the way WeChat builds them."""

from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox.config import DEFAULTS
from kaidian.wechat.crypto import MessageCrypto, signature
from kaidian.wechat.xmlmsg import to_xml
from tests.conftest import post_form

COMPONENT_APPID = DEFAULTS["COMPONENT_APPID"]
TOKEN = DEFAULTS["COMPONENT_TOKEN"]
AES_KEY = DEFAULTS["COMPONENT_AES_KEY"]
SERVICE_OA = "wx5a4db0c000000001"
SECOND_OA = "wx5a4db0c000000005"
SUBSCRIPTION_OA = "wx5a4db0c000000002"
MINI_PROGRAM = "wx5a4db0c000000003"


class Sandbox:
    """The sandbox's control endpoints, over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(self, path: str, **body) -> dict:
        response = requests.post(self.base_url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict:
        return requests.get(self.base_url + "/sandbox/state", timeout=10).json()

    def counts(self) -> dict:
        return self.state()["call_counts"]

    def count(self, endpoint: str) -> int:
        return self.counts().get(endpoint, 0)

    def reset(self) -> None:
        self.post("/sandbox/reset")
        requests.delete(self.base_url + "/sandbox/faults", timeout=10).raise_for_status()

    def push_ticket(self) -> str:
        result = self.post("/sandbox/push_ticket")
        assert result["push"]["answered_success"], result["push"]
        return result["ticket"]

    def revoke(self, appid: str) -> dict:
        return self.post("/sandbox/revoke", appid=appid)

    def fault(self, endpoint: str, errcode: int = 0, count: int = 1, latency_ms: int = 0) -> None:
        self.post("/sandbox/faults", endpoint=endpoint, errcode=errcode, count=count, latency_ms=latency_ms)

    def last_push(self, event: str) -> dict:
        return [push for push in self.state()["pushes"] if push["event"] == event][-1]


def english(client, *hosts: str):
    """Show ``client`` the English pages (the default locale is zh) on the platform and ``hosts``."""
    for host in ("localhost", *hosts):
        client.set_cookie("lang", "en", domain=host)
    return client


def with_query(url: str, **params) -> str:
    """``url`` with ``params`` added to its query, before any ``#fragment``."""
    base, _, fragment = url.partition("#")
    extra = "&".join(f"{key}={value}" for key, value in params.items())
    joined = f"{base}{'&' if '?' in base else '?'}{extra}"
    return f"{joined}#{fragment}" if fragment else joined


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def follow_wechat(url: str, **params) -> str:
    """Open a WeChat page (auto-confirmed with ``params``) and return where it redirects."""
    response = requests.get(with_query(url, **params), allow_redirects=False, timeout=15)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def start_authorization(client, kind: str = "official_account", **form) -> str:
    response = post_form(client, "/admin/wechat/authorize", {"kind": kind, **form})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def authorize(client, account: str, funcs: str = "", kind: str = "official_account", **form):
    """The merchant's whole round trip: admin → WeChat page (``account`` picked) → admin callback."""
    params = {"sandbox_appid": account, **({"sandbox_funcs": funcs} if funcs else {})}
    back = follow_wechat(start_authorization(client, kind, **form), **params)
    return client.get(local_path(back))


def shopper_login(client, host: str, user: str = "alice", next_path: str = "/member", scope: str = "userinfo"):
    """A shopper opens ``next_path`` through WeChat login on store ``host``; returns the final response."""
    base = f"http://{host}"
    response = client.get(f"/wechat/login?next={next_path}&scope={scope}", base_url=base)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    back = follow_wechat(response.headers["Location"], sandbox_user=user)
    return client.get(local_path(back), base_url=base)


def seal_push(fields: dict, crypto: MessageCrypto | None = None, token: str = TOKEN,
              timestamp: int | None = None) -> tuple[bytes, dict]:
    """(body, query) of a component push carrying ``fields``, signed like WeChat signs it (stamped
    now unless ``timestamp`` is given)."""
    crypto = crypto or MessageCrypto(TOKEN, [AES_KEY], COMPONENT_APPID)
    encrypt = crypto.encrypt(to_xml(fields))
    outer_key = "ToUserName" if "ToUserName" in fields else "AppId"
    body = to_xml({outer_key: fields[outer_key], "Encrypt": encrypt}).encode()
    timestamp, nonce = str(int(time.time()) if timestamp is None else timestamp), str(secrets.randbelow(10**9))
    query = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
             "signature": hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest(),
             "msg_signature": signature(token, timestamp, nonce, encrypt)}
    return body, query


def signed_raw(body: bytes, encrypt: str = "x") -> dict:
    """A query whose signature covers ``encrypt`` (for bodies that never get as far as decrypting)."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    return {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
            "msg_signature": signature(TOKEN, timestamp, nonce, encrypt)}


def snapshot(app) -> dict:
    """Every row of every table, to assert that a refused request changed nothing."""
    with app.app_context(), all_tenants():
        rows = {table.name: sorted(map(repr, db.session.execute(select(*table.columns)).all()))
                for table in db.metadata.sorted_tables}
        db.session.remove()
    return rows


def rows(app, model, **where) -> list:
    with app.app_context(), all_tenants():
        query = select(model).filter_by(**where)
        found = list(db.session.execute(query).scalars())
        for row in found:
            db.session.expunge(row)
        db.session.remove()
    return found
