"""Template messages of official accounts: the library, ``api_add_template``, ``message/template/send``
and the ``TEMPLATESENDJOBFINISH`` push that reports each message's delivery.

* ``POST /cgi-bin/template/api_add_template {template_id_short, keyword_name_list}`` (authorizer token):
  adds a library template to the account and answers a new ``template_id`` every time, as WeChat does —
  up to ``MAX_TEMPLATES`` per account (then 45026), so a platform that adds on every send runs out.
* ``POST /cgi-bin/message/template/send {touser, template_id, url?, miniprogram?, data}`` (authorizer
  token): checks the template belongs to the account (40037), records the message with a new ``msgid``
  and answers ``{errcode: 0, msgid}``. Errors such as 43004 (the user does not follow the account) or -1
  are injected through ``POST /sandbox/faults`` (endpoint ``message_template_send``).
* Each accepted message is reported later with ``TEMPLATESENDJOBFINISH`` (``MsgID``, ``Status``
  ``success`` / ``failed:user block`` / ``failed: system failed``), pushed to the account's message URL:
  automatically ``TEMPLATE_FINISH_DELAY`` seconds after the send (0: never), or at once through
  ``POST /sandbox/template/finish {msgid, status?}``. ``GET /sandbox/template_messages?appid=&openid=``
  lists what was sent (tests and the console read it).
"""

from __future__ import annotations

import logging
import threading

from kaidian.sandbox.component import require_authorizer_token
from kaidian.sandbox.errors import ApiError
from kaidian.sandbox.state import MAX_TEMPLATE_MESSAGES, new_secret, now

log = logging.getLogger(__name__)

MAX_TEMPLATES = 25  # templates an official account may hold
MAX_DATA_VALUE_CHARS = 200
FINISH_STATUSES = ("success", "failed:user block", "failed: system failed")

# The library templates the sandbox knows (a few of WeChat's e-commerce ones), by short id.
LIBRARY: dict[str, str] = {
    "TM00015": "订单支付成功",
    "OPENTM200565259": "订单发货提醒",
    "TM00004": "退款通知",
    "OPENTM207791277": "订单状态更新",
    "OPENTM415437052": "业务提醒",
}


def add_template(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        appid, _auth = require_authorizer_token(data, token)
        short_id = body.get("template_id_short")
        if not isinstance(short_id, str) or short_id not in LIBRARY:
            raise ApiError(40037, "invalid template_id_short")
        keywords = body.get("keyword_name_list", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
            raise ApiError(40246, "invalid keyword_name_list")
        owned = data["templates"].setdefault(appid, {})
        if len(owned) >= MAX_TEMPLATES:
            raise ApiError(45026, "template size out of limit")
        template_id = new_secret("", 32)[:43]
        owned[template_id] = {"short_id": short_id, "title": LIBRARY[short_id], "keywords": keywords, "at": now()}
    return {"errcode": 0, "errmsg": "ok", "template_id": template_id}


def _checked(data: dict, appid: str, body: dict) -> dict:
    touser, template_id, values = body.get("touser"), body.get("template_id"), body.get("data")
    if not isinstance(touser, str) or not touser:
        raise ApiError(40003)
    if not isinstance(template_id, str) or template_id not in data["templates"].get(appid, {}):
        raise ApiError(40037, "invalid template_id")
    if not isinstance(values, dict) or not all(_is_value(item) for item in values.values()):
        raise ApiError(47001)
    if "url" in body and not isinstance(body["url"], str):
        raise ApiError(47001)
    return body


def _is_value(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("value"), str) and len(item["value"]) <= MAX_DATA_VALUE_CHARS


def send_template_message(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        appid, _auth = require_authorizer_token(data, token)
        message = _checked(data, appid, body)
        data["template_msgid_seq"] = data.get("template_msgid_seq", 200163840) + 1
        msgid = data["template_msgid_seq"]
        data["template_messages"].append({
            "msgid": msgid, "appid": appid, "touser": message["touser"], "template_id": message["template_id"],
            "title": data["templates"][appid][message["template_id"]]["title"], "url": message.get("url", ""),
            "data": message["data"], "at": now(), "finished": None})
        del data["template_messages"][:-MAX_TEMPLATE_MESSAGES]
    delay = float(sb.config["TEMPLATE_FINISH_DELAY"])
    if delay > 0:
        timer = threading.Timer(delay, finish_quietly, args=(sb, msgid, "success"))
        timer.daemon = True
        timer.start()
    return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


def finish(sb, msgid: int, status: str = "success") -> dict:
    """Push ``TEMPLATESENDJOBFINISH`` for ``msgid`` with ``status``; the push entry (with the platform's answer)."""
    if status not in FINISH_STATUSES:
        raise ApiError(47001, f"status must be one of {', '.join(FINISH_STATUSES)}")
    with sb.state.transaction() as data:
        message = next((m for m in data["template_messages"] if m["msgid"] == msgid), None)
        if message is None:
            raise ApiError(47001, "unknown msgid")
        message["finished"] = status
    event = {"Event": "TEMPLATESENDJOBFINISH", "MsgID": str(msgid), "Status": status}
    return sb.pusher.push_authorizer_event(message["appid"], event, from_user=message["touser"])


def finish_quietly(sb, msgid: int, status: str) -> None:
    """The automatic report (a timer thread), unless the message was reported by hand meanwhile."""
    pending = [m for m in sb.state.read()["template_messages"] if m["msgid"] == msgid and not m["finished"]]
    if not pending:
        return
    try:
        finish(sb, msgid, status)
    except Exception:  # a timer thread: nobody to raise to
        log.exception("sandbox TEMPLATESENDJOBFINISH push for msgid %s failed", msgid)


def sent(data: dict, appid: str = "", openid: str = "") -> list[dict]:
    """Messages sent, newest first, optionally for one account and/or one openid."""
    rows = [m for m in data["template_messages"]
            if (not appid or m["appid"] == appid) and (not openid or m["touser"] == openid)]
    return list(reversed(rows))
