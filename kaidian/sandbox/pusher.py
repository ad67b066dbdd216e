"""Encrypted pushes from the sandbox to the platform, exactly as WeChat sends them.

Component pushes (ticket, authorization events) go to ``PLATFORM_EVENT_URL`` with ``<AppId>`` and
``<Encrypt>``; authorizer messages go to ``PLATFORM_MESSAGE_URL_TEMPLATE`` (``$APPID$`` replaced) with
``<ToUserName>`` and ``<Encrypt>``. The query carries timestamp, nonce, encrypt_type=aes, signature and
msg_signature (plus openid for authorizer messages); every push is stamped with the current time and a
fresh nonce, as the platform refuses pushes outside its 5-minute window and handles a repeated
(timestamp, nonce) only once. Each push is logged with whether the platform
answered the literal ``success``.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
import threading

import requests

from kaidian.sandbox.component import issue_ticket, resend_ticket
from kaidian.sandbox.runtime import current_sandbox
from kaidian.sandbox.state import SandboxState, now
from kaidian.wechat.crypto import MessageCrypto, signature
from kaidian.wechat.xmlmsg import to_xml

log = logging.getLogger(__name__)

SYSTEM_OPENID = "oSandboxSystem0000000000000"
MAX_REPLY_CHARS = 8192  # enough for an encrypted passive reply


class Pusher:
    def __init__(self, config: dict, state: SandboxState) -> None:
        self.config = config
        self.state = state
        self.appid = config["COMPONENT_APPID"]
        self.token = config["COMPONENT_TOKEN"]
        self.crypto = MessageCrypto(self.token, [config["COMPONENT_AES_KEY"]], self.appid)

    def push_component_event(self, event: dict) -> dict:
        """Seal ``event`` (InfoType=…) for the authorization event URL and POST it."""
        fields = {"AppId": self.appid, "CreateTime": int(now()), **event}
        encrypt = self.crypto.encrypt(to_xml(fields))
        body = to_xml({"AppId": self.appid, "Encrypt": encrypt})
        query = self._signed_query(encrypt)
        entry = {"kind": "component", "appid": self.appid, "event": fields.get("InfoType"), "payload": fields}
        return self._send(self.config["PLATFORM_EVENT_URL"], query, body, entry)

    def push_authorizer_event(self, appid: str, event: dict, from_user: str = SYSTEM_OPENID) -> dict:
        """Seal ``event`` (Event=…) as a message to authorizer ``appid`` (from ``from_user``, an openid) and
        POST it to its message URL."""
        user_name = self.state.read()["accounts"][appid]["user_name"]
        fields = {"ToUserName": user_name, "FromUserName": from_user, "CreateTime": int(now())}
        fields.update({"MsgType": "event", **event})
        encrypt = self.crypto.encrypt(to_xml(fields))
        body = to_xml({"ToUserName": user_name, "Encrypt": encrypt})
        query = {**self._signed_query(encrypt), "openid": fields["FromUserName"]}
        url = self.config["PLATFORM_MESSAGE_URL_TEMPLATE"].replace("$APPID$", appid)
        entry = {"kind": "authorizer", "appid": appid, "event": fields.get("Event"), "payload": fields}
        return self._send(url, query, body, entry)

    def _signed_query(self, encrypt: str) -> dict:
        timestamp, nonce = str(int(now())), str(secrets.randbelow(10**10))
        plain = hashlib.sha1("".join(sorted([self.token, timestamp, nonce])).encode()).hexdigest()
        return {
            "signature": plain,
            "timestamp": timestamp,
            "nonce": nonce,
            "encrypt_type": "aes",
            "msg_signature": signature(self.token, timestamp, nonce, encrypt),
        }

    def _send(self, url: str, query: dict, body: str, entry: dict) -> dict:
        entry = {**entry, "at": now(), "url": url, "status": None, "answered_success": False, "error": None}
        if not url:
            entry["error"] = "no URL configured"
        else:
            entry.update(_post(url, query, body, self.config["PUSH_TIMEOUT"]))
        self.state.record_push(entry)
        return entry


def _post(url: str, query: dict, body: str, timeout: float) -> dict:
    try:
        response = requests.post(
            url, params=query, data=body.encode("utf-8"), timeout=timeout,
            headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": "Mozilla/4.0 (sandbox)"},
        )
    except requests.RequestException as exc:
        log.warning("sandbox push to %s failed: %s", url, exc)
        return {"error": f"{exc.__class__.__name__}: {exc}"}
    reply = response.text
    answered = reply.strip() == "success"
    return {"status": response.status_code, "answered_success": answered, "reply": reply[:MAX_REPLY_CHARS],
            "elapsed_ms": int(response.elapsed.total_seconds() * 1000)}


def push_authorizer_event(appid: str, event_dict: dict) -> dict:
    """Push an authorizer message, e.g. ``{"Event": "weapp_audit_success", "SuccTime": …}`` (app context)."""
    return current_sandbox().pusher.push_authorizer_event(appid, event_dict)


def retry_delays(spec: str | list) -> list[float]:
    """``"5,10,20"`` → ``[5.0, 10.0, 20.0]`` (the last delay repeats until a push is delivered)."""
    items = spec.split(",") if isinstance(spec, str) else spec
    delays = [float(item) for item in items if str(item).strip()]
    return [delay for delay in delays if delay > 0] or [60.0]


class TicketPusher:
    """Background thread pushing a fresh component_verify_ticket every ``interval`` seconds.

    A push the platform does not answer with ``success`` (it is not listening yet, or refused it) is
    sent again after each of ``delays`` in turn, the last one repeating, until it is delivered; only
    then does the ``interval`` wait for the next ticket begin. So the first ticket after ``make run``
    reaches the app as soon as it listens, not ten minutes later.
    """

    def __init__(self, issue, resend, interval: float, delays: list[float]) -> None:
        self._issue = issue
        self._resend = resend
        self._interval = interval
        self._delays = delays
        self._stop = threading.Event()
        self.attempts = 0
        self.delivered = 0
        self.thread = threading.Thread(target=self._run, name="sandbox-ticket-pusher", daemon=True)

    def _run(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            if self._attempt(self._issue) or self._retry():
                self.delivered += 1
            delay = self._interval

    def _retry(self) -> bool:
        """Resend until delivered (True) or stopped (False)."""
        for attempt in itertools.count():
            if self._stop.wait(self._delays[min(attempt, len(self._delays) - 1)]):
                return False
            if self._attempt(self._resend):
                return True
        return False  # pragma: no cover

    def _attempt(self, push) -> bool:
        self.attempts += 1
        try:
            entry = push()
        except Exception:  # keep trying, as WeChat does
            log.exception("sandbox ticket push failed")
            return False
        delivered = bool(entry and entry.get("answered_success"))
        if not delivered:
            log.info("ticket not delivered (status %s); retrying", (entry or {}).get("status"))
        return delivered

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self.thread.join(timeout)


def start_ticket_pusher(app) -> TicketPusher | None:
    """Start pushing tickets (at once, then every TICKET_PUSH_INTERVAL s, each retried with backoff
    until delivered); None when the interval is 0."""
    sandbox = app.extensions["kaidian_sandbox"]
    interval = int(sandbox.config["TICKET_PUSH_INTERVAL"])
    if interval <= 0:
        return None
    pusher = TicketPusher(lambda: issue_ticket(sandbox)[1], lambda: resend_ticket(sandbox), interval,
                          retry_delays(sandbox.config["TICKET_RETRY_DELAYS"]))
    pusher.thread.start()
    return pusher
