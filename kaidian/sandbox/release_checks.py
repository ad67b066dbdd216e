"""WeChat's full-release checks (全网发布检测), run by the sandbox against the platform.

Before a third-party platform may serve accounts outside its test list, WeChat drives these checks
through dedicated test accounts (``RELEASE_TEST_ACCOUNTS``), each pushed, encrypted, to the platform's
authorizer message URL as a fan of that account would write:

1. **ticket** — a component_verify_ticket push is answered ``success``;
2. **event** — an event (``LOCATION``) gets, within 5 s, an encrypted passive text reply to the fan
   whose content is the event name + ``from_callback``;
3. **text** — the text ``TESTCOMPONENT_MSG_TYPE_TEXT`` gets the reply ``TESTCOMPONENT_MSG_TYPE_TEXT_callback``;
4. **api** — the text ``QUERY_AUTH_CODE:<code>`` gets an empty reply at once; then the platform exchanges
   the code with ``api_query_auth`` and, with the authorizer token it got, sends the fan the
   customer-service message ``<code>_from_api`` (``/cgi-bin/message/custom/send``).

``run`` returns ``{"appid", "passed", "checks": [{"name", "passed", "detail"}]}``; the sandbox console's
button, ``POST /sandbox/release_checks`` and ``python -m kaidian.sandbox release-check`` call it.
"""

from __future__ import annotations

import time

from kaidian.sandbox.accounts import RELEASE_TEST_ACCOUNTS, func_sets_for
from kaidian.sandbox.component import issue_ticket
from kaidian.sandbox.state import new_secret, now
from kaidian.wechat.crypto import MessageCrypto, WeChatCryptoError
from kaidian.wechat.xmlmsg import parse_xml

DEFAULT_APPID = "wx570bc396a51b8ff8"
TEST_FAN_OPENID = "ozy4qt5QUADNXORxCVipKMV9dss0"  # the fan the checks write as
REPLY_WITHIN_MS = 5000
TEXT_PROBE = "TESTCOMPONENT_MSG_TYPE_TEXT"
EVENT_PROBE = "LOCATION"

__all__ = ["DEFAULT_APPID", "RELEASE_TEST_ACCOUNTS", "run"]


def _result(name: str, passed: bool, detail: str) -> dict:
    return {"name": name, "passed": bool(passed), "detail": detail}


def enroll(sb, appid: str) -> None:
    """The test account is authorized to every platform (WeChat sets that up; nobody confirms it)."""
    with sb.state.transaction() as data:
        auth = data["authorizers"].get(appid)
        if auth is None or auth["revoked"]:
            kind = data["accounts"][appid]["kind"]
            data["authorizers"][appid] = {
                "access_tokens": {}, "revoked": False, "authorized_at": now(), "release_test": True,
                "refresh_token": new_secret("refreshtoken@@@"),
                "func_ids": [item["id"] for item in func_sets_for(kind)],
            }


def _open_reply(sb, push: dict) -> dict:
    """The platform's passive reply, verified and decrypted as WeChat would (ValueError if it isn't one)."""
    crypto = MessageCrypto(sb.config["COMPONENT_TOKEN"], [sb.config["COMPONENT_AES_KEY"]], sb.config["COMPONENT_APPID"])
    body = (push.get("reply") or "").encode("utf-8")
    try:
        outer = parse_xml(body)
        return crypto.open_push(body, timestamp=outer.get("TimeStamp", ""), nonce=outer.get("Nonce", ""),
                                msg_signature=outer.get("MsgSignature", ""))
    except WeChatCryptoError as error:
        raise ValueError(f"the reply is not an encrypted, signed WeChat message ({error.__class__.__name__})") from None


def _fan_push(sb, appid: str, fields: dict) -> dict:
    return sb.pusher.push_authorizer_event(appid, {"FromUserName": TEST_FAN_OPENID, **fields})


def _reply_check(sb, appid: str, name: str, fields: dict, expected: str) -> dict:
    push = _fan_push(sb, appid, fields)
    if push.get("error") or push.get("status") != 200:
        return _result(name, False, f"no answer: {push.get('error') or push.get('status')}")
    try:
        reply = _open_reply(sb, push)
    except ValueError as error:
        return _result(name, False, str(error))
    problems = []
    if reply.get("MsgType") != "text" or reply.get("Content") != expected:
        problems.append(f"expected text {expected!r}, got {reply.get('MsgType')!r} {reply.get('Content')!r}")
    if reply.get("ToUserName") != TEST_FAN_OPENID or reply.get("FromUserName") != RELEASE_TEST_ACCOUNTS[appid][1]:
        problems.append("the reply is not addressed from the account to the fan")
    if push.get("elapsed_ms", 0) > REPLY_WITHIN_MS:
        problems.append(f"answered after {push['elapsed_ms']} ms (limit {REPLY_WITHIN_MS})")
    return _result(name, not problems, "; ".join(problems) or f"{expected} in {push.get('elapsed_ms', 0)} ms")


def _check_ticket(sb) -> dict:
    _ticket, push = issue_ticket(sb)
    answered = push.get("answered_success")
    return _result("ticket", answered, "answered success" if answered
                   else f"answer: {push.get('error') or push.get('reply')}")


def _issue_query_auth_code(sb, appid: str) -> str:
    code = new_secret("queryauthcode@@@")
    with sb.state.transaction() as data:
        data["auth_codes"][code] = {"appid": appid, "expires_at": now() + sb.config["AUTH_CODE_TTL"], "used": False}
    return code


def _custom_message(sb, appid: str, content: str) -> dict | None:
    for message in sb.state.read()["custom_messages"]:
        text = (message["body"].get("text") or {}).get("content")
        if message["appid"] == appid and message["touser"] == TEST_FAN_OPENID and text == content:
            return message
    return None


def _check_api(sb, appid: str) -> dict:
    code = _issue_query_auth_code(sb, appid)
    fields = {"MsgType": "text", "Content": f"QUERY_AUTH_CODE:{code}", "MsgId": str(int(now() * 1000))}
    push = _fan_push(sb, appid, fields)
    if push.get("status") != 200 or (push.get("reply") or "").strip() not in ("", "success"):
        return _result("api", False, f"expected an empty reply at once, got {push.get('status')} {push.get('reply')!r}")
    deadline = time.monotonic() + sb.config["RELEASE_CHECK_TIMEOUT"]
    while time.monotonic() < deadline:
        if _custom_message(sb, appid, f"{code}_from_api"):
            used = sb.state.read()["auth_codes"].get(code, {}).get("used")
            return _result("api", bool(used), "customer-service message received" if used
                           else "the message came without api_query_auth")
        time.sleep(0.1)
    return _result("api", False, f"no customer-service message {code}_from_api within "
                                 f"{sb.config['RELEASE_CHECK_TIMEOUT']} s")


def run(sb, appid: str = DEFAULT_APPID) -> dict:
    enroll(sb, appid)
    checks = [
        _check_ticket(sb),
        _reply_check(sb, appid, "event", {"MsgType": "event", "Event": EVENT_PROBE, "Latitude": "23.137466",
                                          "Longitude": "113.352425", "Precision": "119.385040"},
                     f"{EVENT_PROBE}from_callback"),
        _reply_check(sb, appid, "text", {"MsgType": "text", "Content": TEXT_PROBE, "MsgId": str(int(now() * 1000))},
                     f"{TEXT_PROBE}_callback"),
        _check_api(sb, appid),
    ]
    return {"appid": appid, "passed": all(check["passed"] for check in checks), "checks": checks}
