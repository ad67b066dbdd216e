"""The sandbox's own levers: faults, state, reset, persistence, the console, pushes, the thread helpers."""

import threading
import time

import pytest
import requests
from sandbox_helpers import COMPONENT_APPID, SERVICE_OA, sandbox_config

from kaidian.sandbox.app import create_sandbox_app, start_ticket_pusher
from kaidian.sandbox.testing import run_sandbox_in_thread


def _fault(client, **fault):
    return client.post("/sandbox/faults", json=fault).get_json()


def test_fault_fails_the_next_calls_then_clears_itself(wechat, sandbox_client):
    # given a ticket and a fault for the next two token calls
    ticket = wechat.push_ticket()
    _fault(sandbox_client, endpoint="api_component_token", errcode=-1, count=2)
    # when the platform asks three times / then two busy answers, then a token
    answers = [wechat.component_token_response(ticket) for _ in range(3)]
    assert [answer.get("errcode") for answer in answers] == [-1, -1, None]
    assert "component_access_token" in answers[2]
    # and every call was counted
    assert wechat.state()["call_counts"]["api_component_token"] == 3


def test_fault_latency_delays_the_answer(wechat, sandbox_client):
    ticket = wechat.push_ticket()
    _fault(sandbox_client, endpoint="api_component_token", latency_ms=200)
    started = time.monotonic()
    answer = wechat.component_token_response(ticket)
    assert time.monotonic() - started >= 0.2
    assert "component_access_token" in answer


def test_fault_with_http_status(wechat, sandbox_client):
    _fault(sandbox_client, endpoint="api_component_token", errcode=-1, http_status=503)
    body = {"component_appid": COMPONENT_APPID}
    assert sandbox_client.post("/cgi-bin/component/api_component_token", json=body).status_code == 503


def test_delete_faults_clears_them(wechat, sandbox_client):
    ticket = wechat.push_ticket()
    _fault(sandbox_client, endpoint="api_component_token", errcode=45009, count=5)
    sandbox_client.delete("/sandbox/faults")
    assert "component_access_token" in wechat.component_token_response(ticket)


@pytest.mark.parametrize("fault", [{}, {"endpoint": "x", "errcode": "many"}])
def test_bad_fault_is_refused(sandbox_client, fault):
    assert sandbox_client.post("/sandbox/faults", json=fault).status_code == 400
    assert sandbox_client.get("/sandbox/faults").get_json() == {"faults": {}}


def test_concurrent_calls_are_all_counted(wechat, sandbox_app):
    ticket = wechat.push_ticket()

    def ask():
        sandbox_app.test_client().post("/cgi-bin/component/api_component_token", json={
            "component_appid": COMPONENT_APPID, "component_appsecret": "sandbox-component-secret",
            "component_verify_ticket": ticket})

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = wechat.state()
    assert state["call_counts"]["api_component_token"] == 8
    assert len(state["component_tokens"]) == 8


def test_state_survives_a_new_app_on_the_same_path(wechat, state_path, receiver):
    # given an authorization made through one sandbox instance
    token, info = wechat.authorize(SERVICE_OA)
    # when a new instance starts on the same state file
    client = create_sandbox_app(sandbox_config(state_path, receiver.base_url)).test_client()
    # then the tokens, the ticket and the authorization are still there
    answer = client.post(f"/cgi-bin/component/api_authorizer_token?component_access_token={token}", json={
        "component_appid": COMPONENT_APPID, "authorizer_appid": SERVICE_OA,
        "authorizer_refresh_token": info["authorizer_refresh_token"]}).get_json()
    assert answer["authorizer_refresh_token"] == info["authorizer_refresh_token"]
    assert client.get("/sandbox/state").get_json()["tickets"] == wechat.state()["tickets"]


def test_reset_gives_a_fresh_state(wechat, sandbox_client):
    wechat.authorize(SERVICE_OA)
    sandbox_client.post("/sandbox/reset")
    state = wechat.state()
    assert state["authorizers"] == {} and state["tickets"] == [] and state["call_counts"] == {}
    assert SERVICE_OA in state["accounts"]


def test_create_sandbox_app_has_no_side_effects(tmp_path):
    threads = threading.active_count()
    create_sandbox_app({"SANDBOX_STATE_PATH": str(tmp_path / "s.json"), "TICKET_PUSH_INTERVAL": 1})
    assert list(tmp_path.iterdir()) == []
    assert threading.active_count() == threads


def test_console_lists_authorizations_and_revokes(wechat, sandbox_client, receiver):
    wechat.authorize(SERVICE_OA)
    page = sandbox_client.get("/sandbox").get_data(as_text=True)
    assert SERVICE_OA in page and "取消授权" in page
    response = sandbox_client.post("/sandbox/revoke", data={"appid": SERVICE_OA})
    assert response.status_code == 302
    assert receiver.wait_for(InfoType="unauthorized")["AuthorizerAppid"] == SERVICE_OA


def test_images_are_pngs(sandbox_client):
    for name in (SERVICE_OA, "user-alice", "qr-anything"):
        response = sandbox_client.get(f"/sandbox/img/{name}.png")
        assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")


def test_authorizer_event_push(sandbox_client, receiver):
    event = {"Event": "weapp_audit_success", "SuccTime": 1700000000}
    answer = sandbox_client.post("/sandbox/push_authorizer_event", json={"appid": SERVICE_OA, "event": event})
    assert answer.get_json()["push"]["answered_success"] is True
    record = receiver.records[-1]
    assert record["path"] == f"/wechat/authorizers/{SERVICE_OA}/events"
    assert {"signature", "openid", "msg_signature", "timestamp", "nonce"} <= set(record["query"])
    assert b"<ToUserName><![CDATA[gh_5a4db0c00001]]></ToUserName>" in record["body"]
    assert record["message"]["Event"] == "weapp_audit_success"
    assert record["message"]["MsgType"] == "event" and record["message"]["SuccTime"] == "1700000000"


def test_ticket_pusher_thread_pushes_at_once_and_stops(state_path, receiver):
    app = create_sandbox_app({**sandbox_config(state_path, receiver.base_url), "TICKET_PUSH_INTERVAL": 3600})
    pusher = start_ticket_pusher(app)
    try:
        assert receiver.wait_for(InfoType="component_verify_ticket")
    finally:
        pusher.stop()
    assert not pusher.thread.is_alive()


def test_ticket_pusher_disabled_with_interval_zero(sandbox_app):
    assert start_ticket_pusher(sandbox_app) is None


def test_run_sandbox_in_thread_serves_real_http(tmp_path, receiver):
    base_url, stop = run_sandbox_in_thread(sandbox_config(tmp_path / "s.json", receiver.base_url))
    try:
        ticket = requests.post(f"{base_url}/sandbox/push_ticket", timeout=5).json()["ticket"]
        answer = requests.post(f"{base_url}/cgi-bin/component/api_component_token", timeout=5, json={
            "component_appid": COMPONENT_APPID, "component_appsecret": "sandbox-component-secret",
            "component_verify_ticket": ticket}).json()
    finally:
        stop()
    assert answer["expires_in"] == 7200
