"""WeChat's full-release checks (全网发布检测), driven by the sandbox over HTTP against the running
platform, and the platform's answers checked independently by decrypting them with its key."""

from __future__ import annotations

import pytest
import requests

from kaidian.sandbox.release_checks import TEST_FAN_OPENID
from kaidian.wechat.crypto import MessageCrypto
from kaidian.wechat.release import TEST_ACCOUNTS
from kaidian.wechat.xmlmsg import parse_xml

from .helpers import AES_KEY, COMPONENT_APPID, TOKEN, seal_push, snapshot

OFFICIAL_TEST_ACCOUNT = "wx570bc396a51b8ff8"
MINI_PROGRAM_TEST_ACCOUNT = "wxd101a85aa106f53e"


@pytest.mark.parametrize("appid", [OFFICIAL_TEST_ACCOUNT, MINI_PROGRAM_TEST_ACCOUNT])
def test_the_full_release_checks_pass_against_the_platform(app, sandbox, appid):
    # given the platform and the sandbox; nothing bound for the test account
    before = snapshot(app)
    # when the sandbox runs WeChat's checks for a test account
    report = sandbox.post("/sandbox/release_checks", appid=appid)
    # then every check passes, and no store gained anything
    assert [(c["name"], c["passed"]) for c in report["checks"]] == [
        ("ticket", True), ("event", True), ("text", True), ("api", True)], report
    assert report["passed"] is True
    after = snapshot(app)
    assert {k: v for k, v in after.items() if k != "wechat_component_tickets"} == \
           {k: v for k, v in before.items() if k != "wechat_component_tickets"}
    # and the API check's message went to the fan with the test account's token
    sent = [m for m in sandbox.state()["custom_messages"] if m["appid"] == appid]
    assert len(sent) == 1 and sent[0]["touser"] == TEST_FAN_OPENID
    assert sent[0]["body"]["text"]["content"].endswith("_from_api")


def _push(wechat_env, appid: str, fields: dict) -> requests.Response:
    message = {"ToUserName": TEST_ACCOUNTS[appid], "FromUserName": "oFan", "CreateTime": 1700000000, **fields}
    body, query = seal_push(message)
    return requests.post(f"{wechat_env.platform_url}/wechat/authorizers/{appid}/events", params=query,
                         data=body, timeout=10)


def _open(response: requests.Response) -> dict:
    """Decrypt the passive reply with the platform's key, as WeChat does (signature checked first)."""
    outer = parse_xml(response.content)
    crypto = MessageCrypto(TOKEN, [AES_KEY], COMPONENT_APPID)
    return crypto.open_push(response.content, timestamp=outer["TimeStamp"], nonce=outer["Nonce"],
                            msg_signature=outer["MsgSignature"])


@pytest.mark.parametrize("event", ["LOCATION", "subscribe", "CLICK"])
def test_an_event_from_a_test_account_gets_an_encrypted_passive_reply(wechat_env, sandbox, event):
    response = _push(wechat_env, OFFICIAL_TEST_ACCOUNT, {"MsgType": "event", "Event": event})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    reply = _open(response)
    assert reply["MsgType"] == "text" and reply["Content"] == f"{event}from_callback"
    assert reply["ToUserName"] == "oFan" and reply["FromUserName"] == TEST_ACCOUNTS[OFFICIAL_TEST_ACCOUNT]
    assert int(reply["CreateTime"]) > 1700000000


def test_the_text_probe_gets_its_callback_reply(wechat_env, sandbox):
    reply = _open(_push(wechat_env, OFFICIAL_TEST_ACCOUNT, {"MsgType": "text", "Content": "TESTCOMPONENT_MSG_TYPE_TEXT",
                                                            "MsgId": "1"}))
    assert reply["Content"] == "TESTCOMPONENT_MSG_TYPE_TEXT_callback"


def test_query_auth_code_is_answered_empty_and_then_through_the_api(wechat_env, sandbox):
    # given WeChat has a query auth code for the test account
    sandbox.post("/sandbox/release_checks", appid=OFFICIAL_TEST_ACCOUNT)  # enrols the test account
    calls_before = sandbox.count("api_query_auth")
    # when the fan's QUERY_AUTH_CODE text arrives with an unknown code
    response = _push(wechat_env, OFFICIAL_TEST_ACCOUNT, {"MsgType": "text", "Content": "QUERY_AUTH_CODE:nope",
                                                         "MsgId": "2"})
    # then the platform answers empty at once; WeChat refuses the code and nothing is sent to the fan
    assert response.status_code == 200 and response.text == ""
    assert sandbox.count("api_query_auth") == calls_before + 1
    assert not [m for m in sandbox.state()["custom_messages"] if m["body"]["text"]["content"] == "nope_from_api"]


def test_a_test_account_message_addressed_to_another_account_is_refused(app, wechat_env, sandbox):
    before = snapshot(app)
    message = {"ToUserName": "gh_someoneelse", "FromUserName": "oFan", "CreateTime": 1700000000,
               "MsgType": "event", "Event": "LOCATION"}
    body, query = seal_push(message)
    response = requests.post(f"{wechat_env.platform_url}/wechat/authorizers/{OFFICIAL_TEST_ACCOUNT}/events",
                             params=query, data=body, timeout=10)
    assert response.status_code == 400
    assert snapshot(app) == before


def test_an_ordinary_text_from_a_test_account_gets_no_reply(wechat_env, sandbox):
    response = _push(wechat_env, OFFICIAL_TEST_ACCOUNT, {"MsgType": "text", "Content": "hello", "MsgId": "3"})
    assert response.status_code == 200 and response.text == ""
