"""The sandbox's mini-program code management and review, on WeChat's wire formats and error codes."""

import json

import pytest

MINI_PROGRAM = "wx5a4db0c000000003"


@pytest.fixture
def program(wechat):
    """(component token, authorizer token) of the seed mini program, authorized with every permission set."""
    token, info = wechat.authorize(MINI_PROGRAM)
    return token, info["authorizer_access_token"]


def _commit(client, access, template_id, desc="首版"):
    body = {"template_id": template_id, "ext_json": json.dumps({"extAppid": MINI_PROGRAM, "ext": {"n": desc}}),
            "user_version": "1.1.0", "user_desc": desc}
    return client.post(f"/wxa/commit?access_token={access}", json=body).get_json()


def _template(client, component):
    assert client.post(f"/wxa/addtotemplate?access_token={component}", json={"draft_id": 2, "template_type": 0}
                       ).get_json()["errcode"] == 0
    listed = client.get(f"/wxa/gettemplatelist?template_type=0&access_token={component}").get_json()["template_list"]
    return listed[-1]["template_id"]


def test_template_library_drafts_add_list_delete(sandbox_client, program):
    component, _ = program
    drafts = sandbox_client.get(f"/wxa/gettemplatedraftlist?access_token={component}").get_json()["draft_list"]
    assert [d["draft_id"] for d in drafts] == [1, 2]
    template_id = _template(sandbox_client, component)
    deleted = sandbox_client.post(f"/wxa/deletetemplate?access_token={component}", json={"template_id": template_id})
    assert deleted.get_json()["errcode"] == 0
    again = sandbox_client.post(f"/wxa/deletetemplate?access_token={component}", json={"template_id": template_id})
    assert again.get_json()["errcode"] == 85064
    missing = sandbox_client.post(f"/wxa/addtotemplate?access_token={component}", json={"draft_id": 99})
    assert missing.get_json()["errcode"] == 85064


def test_commit_refuses_unknown_templates_and_bad_ext_json(sandbox_client, program):
    component, access = program
    assert _commit(sandbox_client, access, 12345)["errcode"] == 85014
    template_id = _template(sandbox_client, component)
    body = {"template_id": template_id, "ext_json": "{not json", "user_version": "1", "user_desc": ""}
    assert sandbox_client.post(f"/wxa/commit?access_token={access}", json=body).get_json()["errcode"] == 85013
    body["ext_json"] = json.dumps({"extAppid": "wxsomeoneelse"})
    assert sandbox_client.post(f"/wxa/commit?access_token={access}", json=body).get_json()["errcode"] == 85013
    assert sandbox_client.get(f"/wxa/get_qrcode?access_token={access}").get_json()["errcode"] == 86001


def test_submit_review_withdraw_limit_and_release(sandbox_client, sandbox_app, program, receiver):
    component, access = program
    _commit(sandbox_client, access, _template(sandbox_client, component))
    qr = sandbox_client.get(f"/wxa/get_qrcode?access_token={access}&path=pages%2Findex%2Findex")
    assert qr.mimetype == "image/png" and qr.data.startswith(b"\x89PNG")
    submitted = sandbox_client.post(f"/wxa/submit_audit?access_token={access}", json={"item_list": []})
    auditid = submitted.get_json()["auditid"]
    assert sandbox_client.post(f"/wxa/submit_audit?access_token={access}", json={}).get_json()["errcode"] == 85009
    assert sandbox_client.post(f"/wxa/release?access_token={access}", json={}).get_json()["errcode"] == 85019
    status = sandbox_client.post(f"/wxa/get_auditstatus?access_token={access}", json={"auditid": auditid}).get_json()
    assert status["status"] == 2
    sandbox_app.config["SANDBOX"]["WXA_UNDO_PER_DAY"] = 1
    assert sandbox_client.get(f"/wxa/undocodeaudit?access_token={access}").get_json()["errcode"] == 0
    sandbox_client.post(f"/wxa/submit_audit?access_token={access}", json={})
    assert sandbox_client.get(f"/wxa/undocodeaudit?access_token={access}").get_json()["errcode"] == 87013

    decided = sandbox_client.post("/sandbox/wxa/decide", json={"appid": MINI_PROGRAM, "outcome": "approve"}).get_json()
    assert decided["outcome"] == "approve"
    event = receiver.wait_for(Event="weapp_audit_success")
    assert event["ToUserName"] == "gh_5a4db0c00003" and event["SuccTime"].isdigit()
    assert sandbox_client.post(f"/wxa/release?access_token={access}", data=b"").get_json()["errcode"] == 44002
    assert sandbox_client.post(f"/wxa/release?access_token={access}", json={}).get_json()["errcode"] == 0
    assert sandbox_client.post(f"/wxa/release?access_token={access}", json={}).get_json()["errcode"] == 85052



def test_version_info_follows_commits_releases_and_a_rollback_whose_answer_is_lost(sandbox_client, program,
                                                                                    receiver):
    component, access = program
    url = f"/wxa/getversioninfo?access_token={access}"
    assert sandbox_client.post(url, data=b"").get_json()["errcode"] == 44002  # WeChat wants the body {}
    assert sandbox_client.post(url, json={}).get_json() == {"errcode": 0, "errmsg": "ok"}  # nothing yet
    template_id = _template(sandbox_client, component)
    for version in ("1.0.0", "1.1.0"):
        body = {"template_id": template_id, "ext_json": json.dumps({"extAppid": MINI_PROGRAM}),
                "user_version": version, "user_desc": f"版本 {version}"}
        assert sandbox_client.post(f"/wxa/commit?access_token={access}", json=body).get_json()["errcode"] == 0
        info = sandbox_client.post(url, json={}).get_json()
        assert info["exp_info"]["exp_version"] == version and info["exp_info"]["exp_desc"] == f"版本 {version}"
        sandbox_client.post(f"/wxa/submit_audit?access_token={access}", json={})
        sandbox_client.post("/sandbox/wxa/decide", json={"appid": MINI_PROGRAM, "outcome": "approve"})
        assert sandbox_client.post(f"/wxa/release?access_token={access}", json={}).get_json()["errcode"] == 0
        online = sandbox_client.post(url, json={}).get_json()["release_info"]
        assert online["release_version"] == version and isinstance(online["release_time"], int)
    # the rollback is done but its answer is lost (-1): WeChat has the previous version online
    sandbox_client.post("/sandbox/faults", json={"endpoint": "revertcoderelease", "errcode": -1, "mode": "applied"})
    assert sandbox_client.get(f"/wxa/revertcoderelease?access_token={access}").get_json()["errcode"] == -1
    assert sandbox_client.post(url, json={}).get_json()["release_info"]["release_version"] == "1.0.0"
    assert sandbox_client.get(f"/wxa/revertcoderelease?access_token={access}").get_json()["errcode"] == 87012

def test_rules_reject_with_reason_and_screenshots_and_events_can_be_lost(sandbox_client, program, receiver):
    component, access = program
    sandbox_client.post("/sandbox/wxa/audit_rules", json={"rules": [
        {"field": "user_desc", "contains": "违规", "action": "reject", "reason": "含违规内容"}]})
    _commit(sandbox_client, access, _template(sandbox_client, component), desc="违规版本")
    sandbox_client.post(f"/wxa/submit_audit?access_token={access}", json={})
    sandbox_client.post("/sandbox/faults", json={"endpoint": "wxa.audit_event", "mode": "lose"})
    assert sandbox_client.post("/sandbox/wxa/decide", json={"appid": MINI_PROGRAM}).get_json()["push"] is None
    latest = sandbox_client.get(f"/wxa/get_latest_auditstatus?access_token={access}").get_json()
    assert latest["status"] == 1 and latest["reason"] == "含违规内容"
    shots = latest["screenshot"].split("|")
    image = sandbox_client.post(f"/cgi-bin/material/get_material?access_token={access}", json={"media_id": shots[0]})
    assert image.data.startswith(b"\x89PNG")
    assert not receiver.messages(Event="weapp_audit_fail")


def test_setup_domains_webview_and_privacy(sandbox_client, program):
    _, access = program
    domains = {"action": "set", "requestdomain": ["https://api.localhost"], "wsrequestdomain": ["wss://api.localhost"],
               "uploaddomain": [], "downloaddomain": []}
    answer = sandbox_client.post(f"/wxa/modify_domain?access_token={access}", json=domains).get_json()
    assert answer["requestdomain"] == ["https://api.localhost"]
    bad = {**domains, "requestdomain": ["http://api.localhost"]}
    assert sandbox_client.post(f"/wxa/modify_domain?access_token={access}", json=bad).get_json()["errcode"] == 85015
    url = f"/wxa/setwebviewdomain?access_token={access}"
    webview = {"action": "set", "webviewdomain": ["https://shop.localhost"]}
    assert sandbox_client.post(url, json=webview).get_json()["errcode"] == 0
    assert sandbox_client.post(url, json=webview).get_json()["errcode"] == 89019
    elsewhere = {"action": "set", "webviewdomain": ["https://evil.example.com"]}
    assert sandbox_client.post(url, json=elsewhere).get_json()["errcode"] == 89021
    privacy = {"privacy_ver": 2, "owner_setting": {"contact_phone": "13800138000", "notice_method": "弹窗"},
               "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "登录"}]}
    assert sandbox_client.post(f"/cgi-bin/component/setprivacysetting?access_token={access}",
                               json=privacy).get_json()["errcode"] == 0
    got = sandbox_client.post(f"/cgi-bin/component/getprivacysetting?access_token={access}", json={}).get_json()
    assert got["privacy_list"] == ["UserInfo"]
