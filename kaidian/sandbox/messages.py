"""Customer-service messages (``POST /cgi-bin/message/custom/send``), recorded for tests and checks.

WeChat delivers them to the shopper; the sandbox keeps the last ``MAX_CUSTOM_MESSAGES`` with the appid
whose access token sent them, so a test (or the full-release check) can see what reached whom.
"""

from __future__ import annotations

from kaidian.sandbox.component import require_authorizer_token
from kaidian.sandbox.errors import ApiError
from kaidian.sandbox.state import MAX_CUSTOM_MESSAGES, now

MSG_TYPES = ("text", "image", "voice", "video", "music", "news", "mpnews", "msgmenu", "wxcard", "miniprogrampage")
MAX_TEXT_BYTES = 2048


def _checked(body: dict) -> dict:
    if not body:
        raise ApiError(44002)
    touser, msgtype = body.get("touser"), body.get("msgtype")
    if not isinstance(touser, str) or not touser:
        raise ApiError(40003)
    if msgtype not in MSG_TYPES or not isinstance(body.get(msgtype), dict):
        raise ApiError(47001)
    if msgtype == "text":
        content = body["text"].get("content")
        if not isinstance(content, str) or not content or len(content.encode("utf-8")) > MAX_TEXT_BYTES:
            raise ApiError(47001)
    return body


def send_custom_message(sb, token: str | None, body: dict) -> dict:
    with sb.state.transaction() as data:
        appid, _auth = require_authorizer_token(data, token)
        message = _checked(body)
        data["custom_messages"].append({"appid": appid, "touser": message["touser"], "msgtype": message["msgtype"],
                                        "body": message, "at": now()})
        del data["custom_messages"][:-MAX_CUSTOM_MESSAGES]
    return {"errcode": 0, "errmsg": "ok"}
