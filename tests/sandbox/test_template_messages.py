"""The sandbox's template messages: api_add_template (a new id every call, 25 at most), send with the
authorizer token and an added template, faults, the TEMPLATESENDJOBFINISH push and the list of messages."""

import pytest
from sandbox_helpers import SECOND_OA, SERVICE_OA

from kaidian.sandbox import template_messages

DATA = {"first": {"value": "已收到付款"}, "keyword1": {"value": "KD1"}}


@pytest.fixture
def oa_token(wechat):
    _, info = wechat.authorize(SERVICE_OA)
    return info["authorizer_access_token"]


def add(client, token, short_id="TM00015"):
    return client.post(f"/cgi-bin/template/api_add_template?access_token={token}",
                       json={"template_id_short": short_id, "keyword_name_list": ["订单编号", "支付金额"]}).get_json()


def send(client, token, template_id, touser="o-alice", data=None):
    return client.post(f"/cgi-bin/message/template/send?access_token={token}",
                       json={"touser": touser, "template_id": template_id, "url": "https://shop.example.com/o/1",
                             "data": DATA if data is None else data}).get_json()


def test_each_add_gives_a_new_template_up_to_the_limit(sandbox_client, oa_token, monkeypatch):
    monkeypatch.setattr(template_messages, "MAX_TEMPLATES", 2)
    first, second = add(sandbox_client, oa_token), add(sandbox_client, oa_token)
    assert first["errcode"] == 0 and second["errcode"] == 0 and first["template_id"] != second["template_id"]
    assert add(sandbox_client, oa_token)["errcode"] == 45026
    assert len(sandbox_client.get("/sandbox/state").get_json()["templates"][SERVICE_OA]) == 2


@pytest.mark.parametrize(("body", "errcode"), [
    ({"template_id_short": "TM99999"}, 40037), ({"template_id_short": "TM00015", "keyword_name_list": [""]}, 40246),
    ({"template_id_short": "TM00015", "keyword_name_list": "订单编号"}, 40246),
])
def test_a_bad_add_is_refused_and_adds_nothing(sandbox_client, oa_token, body, errcode):
    answer = sandbox_client.post(f"/cgi-bin/template/api_add_template?access_token={oa_token}", json=body).get_json()
    assert answer["errcode"] == errcode
    assert sandbox_client.get("/sandbox/state").get_json()["templates"] == {}


def test_a_message_is_recorded_and_listed_per_openid(sandbox_client, oa_token):
    template_id = add(sandbox_client, oa_token)["template_id"]
    answer = send(sandbox_client, oa_token, template_id)
    assert answer["errcode"] == 0 and answer["msgid"] > 0
    send(sandbox_client, oa_token, template_id, touser="o-bob")
    listed = sandbox_client.get("/sandbox/template_messages?openid=o-alice").get_json()["messages"]
    assert [(m["msgid"], m["appid"], m["title"], m["data"]) for m in listed] == [
        (answer["msgid"], SERVICE_OA, "订单支付成功", DATA)]
    html = sandbox_client.get("/sandbox/template_messages", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "o-alice" in html and "o-bob" in html and "KD1" in html


def test_sending_needs_the_accounts_own_template_and_a_valid_body(wechat, sandbox_client, oa_token):
    _, other = wechat.authorize(SECOND_OA)
    theirs = add(sandbox_client, other["authorizer_access_token"])["template_id"]
    assert send(sandbox_client, oa_token, theirs)["errcode"] == 40037
    mine = add(sandbox_client, oa_token)["template_id"]
    assert send(sandbox_client, oa_token, mine, touser="")["errcode"] == 40003
    assert send(sandbox_client, oa_token, mine, data={"first": "not an object"})["errcode"] == 47001
    assert send(sandbox_client, "not-a-token", mine)["errcode"] == 40001
    assert sandbox_client.get("/sandbox/template_messages").get_json()["messages"] == []


def test_an_injected_fault_answers_instead(sandbox_client, oa_token):
    template_id = add(sandbox_client, oa_token)["template_id"]
    sandbox_client.post("/sandbox/faults", json={"endpoint": "message_template_send", "errcode": 43004})
    assert send(sandbox_client, oa_token, template_id)["errcode"] == 43004
    assert send(sandbox_client, oa_token, template_id)["errcode"] == 0


def test_finish_pushes_the_delivery_report_to_the_accounts_message_url(sandbox_client, oa_token, receiver):
    template_id = add(sandbox_client, oa_token)["template_id"]
    msgid = send(sandbox_client, oa_token, template_id)["msgid"]
    answer = sandbox_client.post("/sandbox/template/finish", json={"msgid": msgid, "status": "failed:user block"})
    assert answer.get_json()["push"]["answered_success"]
    pushed = receiver.wait_for(Event="TEMPLATESENDJOBFINISH")
    assert (pushed["MsgID"], pushed["Status"], pushed["FromUserName"]) == (str(msgid), "failed:user block", "o-alice")
    [listed] = sandbox_client.get("/sandbox/template_messages").get_json()["messages"]
    assert listed["finished"] == "failed:user block"
    assert sandbox_client.post("/sandbox/template/finish", json={"msgid": msgid + 1}).get_json()["errcode"] == 47001
    assert sandbox_client.post("/sandbox/template/finish", json={"msgid": msgid, "status": "ok"}).get_json()[
        "errcode"] == 47001
