"""WeChat's full-release checks (全网发布检测), answered as the Open Platform documentation asks.

Before a third-party platform may serve accounts outside its test list, WeChat pushes messages from
dedicated test accounts (``TEST_ACCOUNTS``, from "全网发布检测说明") to the authorizer message URL:

* an event → an encrypted passive text reply, ``<Event>from_callback``, within 5 s;
* the text ``TESTCOMPONENT_MSG_TYPE_TEXT`` → the reply ``TESTCOMPONENT_MSG_TYPE_TEXT_callback``;
* the text ``QUERY_AUTH_CODE:<code>`` → an empty reply at once; then (a job) ``api_query_auth`` with that
  code and, with the authorizer token it returns, the customer-service message ``<code>_from_api`` to the
  sender through ``/cgi-bin/message/custom/send``.

The test accounts belong to no store: nothing is bound or stored for them.
"""

from __future__ import annotations

import logging

from kaidian.platform import jobs

from .replies import TextReply

log = logging.getLogger(__name__)

TEST_ACCOUNTS: dict[str, str] = {  # appid → the account's user name (gh_ id)
    "wx570bc396a51b8ff8": "gh_3c884a361561",
    "wx9252c5e0bb1836fc": "gh_c0f28a78b318",
    "wx8e1097c5bc82cde9": "gh_3f222ed8d140",
    "wx14550af28c71a144": "gh_26128078e9ab",
    "wxa35b9c23cfe664eb": "gh_2b3713f184a6",
    "wxd101a85aa106f53e": "gh_8dad206e9538",
    "wxc39235c15087f6f3": "gh_905ae9d01059",
    "wx7720d01d4b2a4500": "gh_393666f1fdf4",
    "wx05d483572dcd5d8b": "gh_39abb5d4e1b7",
    "wx5910277cae6fd970": "gh_7818dcb60240",
}
TEXT_PROBE = "TESTCOMPONENT_MSG_TYPE_TEXT"
QUERY_AUTH_PREFIX = "QUERY_AUTH_CODE:"
MAX_CODE_LENGTH = 512


def is_test_account(appid: str) -> bool:
    return appid in TEST_ACCOUNTS


def addressed_to(appid: str, message: dict) -> bool:
    return message.get("ToUserName") == TEST_ACCOUNTS[appid]


def answer(message: dict) -> TextReply | None:
    """The passive reply to a test account's message (None: reply nothing)."""
    if message.get("MsgType") == "event" and message.get("Event"):
        return TextReply(f"{message['Event']}from_callback")
    content = message.get("Content", "") if message.get("MsgType") == "text" else ""
    if content == TEXT_PROBE:
        return TextReply(f"{TEXT_PROBE}_callback")
    code = content[len(QUERY_AUTH_PREFIX):] if content.startswith(QUERY_AUTH_PREFIX) else ""
    if code and len(code) <= MAX_CODE_LENGTH and message.get("FromUserName"):
        from .tasks import answer_release_check

        jobs.enqueue(answer_release_check, code, message["FromUserName"], queue="high", timeout=30)
    return None
