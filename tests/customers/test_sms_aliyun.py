"""The ``aliyun`` SMS sender: Alibaba Cloud's own SDK (a client Kaidian did not write) talks to the
sandbox's emulation of Alibaba Cloud SMS, which verifies its ACS3-HMAC-SHA256 signature, its signature
name and templates, and delivers the filled template to the inbox the shopper reads."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
import requests

from kaidian.customers import sms
from kaidian.customers.models import Customer
from kaidian.notifications import channels
from kaidian.platform.config import ConfigError
from kaidian.sandbox.aliyun_sms import acs3_signature
from kaidian.sandbox.config import DEFAULTS as SANDBOX
from tests.conftest import make_app

from .sms_providers import assert_refused_and_no_code_works, fault, staff_notice
from .test_sms_login import MOBILE, api, rows, send

ALIYUN = {
    "SMS_SENDER": "aliyun",
    "SMS_ALIYUN_ACCESS_KEY_ID": SANDBOX["ALIYUN_SMS_ACCESS_KEY_ID"],
    "SMS_ALIYUN_ACCESS_KEY_SECRET": SANDBOX["ALIYUN_SMS_ACCESS_KEY_SECRET"],
    "SMS_APP_ID": "",  # Tencent's: the aliyun sender does not need it
    "SMS_SIGN_NAME": SANDBOX["ALIYUN_SMS_SIGN_NAME"],
    "SMS_TEMPLATE_LOGIN_CODE": "SMS_100000001",
    "SMS_TEMPLATE_STAFF_NOTICE": "SMS_100000002",
}


@pytest.fixture
def aliyun(app, sms_sandbox, monkeypatch):
    """The app sends through the aliyun sender, its SDK pointed at the sandbox over plain HTTP."""
    for name, value in {**ALIYUN, "SMS_ALIYUN_ENDPOINT": sms_sandbox.base_url}.items():
        monkeypatch.setitem(app.config, name, value)
    return sms_sandbox


def test_a_shopper_logs_in_with_the_code_sent_through_alibaba_cloud(app, client, alpha, inbox, aliyun):
    assert send(client).status_code == 204
    [message] = inbox.messages(MOBILE)
    code = inbox.last_code(MOBILE)
    assert message["text"] == f"【开店】您的登录验证码为{code},5分钟内有效,请勿泄露。"
    assert (message["template_id"], message["params"], message["sign"]) == (
        "SMS_100000001",
        {"code": code, "minutes": "5"},
        "开店",
    )
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": code})
    assert response.status_code == 200
    [customer] = rows(app, Customer)
    assert customer.mobile == MOBILE and customer.tenant_id == alpha.tenant_id


def test_a_wrong_secret_is_refused_by_the_signature_check_and_nothing_is_sent(
    app, client, alpha, inbox, aliyun, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "SMS_ALIYUN_ACCESS_KEY_SECRET", "not-the-secret")
    response = send(client)
    assert_refused_and_no_code_works(app, client, inbox, response)
    assert "SignatureDoesNotMatch" in caplog.text


def test_the_numbers_frequency_limit_is_the_clear_error_and_no_code_works(app, client, alpha, inbox, aliyun, caplog):
    fault(aliyun.base_url, f"aliyun_sms.SendSms:{MOBILE}", "isv.BUSINESS_LIMIT_CONTROL")
    response = send(client)
    assert_refused_and_no_code_works(app, client, inbox, response)
    [logged] = [r.getMessage() for r in caplog.records if r.name == "kaidian.customers.sms_aliyun"]
    assert "isv.BUSINESS_LIMIT_CONTROL" in logged and MOBILE not in logged  # the number masked


def _query(mobile: str = MOBILE) -> dict:
    return {
        "PhoneNumbers": mobile,
        "SignName": SANDBOX["ALIYUN_SMS_SIGN_NAME"],
        "TemplateCode": "SMS_100000001",
        "TemplateParam": json.dumps({"code": "123456", "minutes": "5"}),
    }


def _signed(query: dict, host: str, secret: str = SANDBOX["ALIYUN_SMS_ACCESS_KEY_SECRET"]) -> dict:
    headers = {
        "host": host,
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    signature = acs3_signature(secret, "POST", "/", query, headers, b"")
    names = ";".join(sorted(headers))
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={SANDBOX['ALIYUN_SMS_ACCESS_KEY_ID']},SignedHeaders={names},Signature={signature}"
    )
    return headers


def _post(base_url: str, query: dict, headers: dict) -> requests.Response:
    return requests.post(base_url + "/", params=query, headers=headers, timeout=5)


@pytest.mark.parametrize("forge", ["tampered query", "wrong secret", "other host", "tampered body"])
def test_the_emulator_refuses_a_forged_request_and_records_nothing(sms_sandbox, inbox, forge):
    host = sms_sandbox.base_url.split("://")[1]
    query, data = _query(), None
    headers = _signed(query, host)
    if forge == "tampered query":
        query = _query("13900139000")
    elif forge == "wrong secret":
        headers = _signed(query, host, secret="guessed")
    elif forge == "other host":
        headers = _signed(query, "dysmsapi.aliyuncs.com")
        headers["host"] = host
    else:
        data = b"PhoneNumbers=13900139000"
    response = requests.post(sms_sandbox.base_url + "/", params=query, headers=headers, data=data, timeout=5)
    answer = response.json()
    assert (response.status_code, answer["Code"]) == (400, "SignatureDoesNotMatch") and answer["RequestId"]
    assert inbox.messages(MOBILE) == [] and inbox.messages("13900139000") == []


def test_the_emulator_accepts_the_same_request_signed_right_once(sms_sandbox, inbox):
    host = sms_sandbox.base_url.split("://")[1]
    headers = _signed(_query(), host)
    answer = _post(sms_sandbox.base_url, _query(), headers).json()
    assert answer["Code"] == "OK" and answer["BizId"]
    assert inbox.last_code(MOBILE) == "123456"
    replayed = _post(sms_sandbox.base_url, _query(), headers)
    assert (replayed.status_code, replayed.json()["Code"]) == (400, "SignatureNonceUsed")
    assert len(inbox.messages(MOBILE)) == 1


def test_the_emulator_refuses_an_unknown_access_key(sms_sandbox, inbox):
    host = sms_sandbox.base_url.split("://")[1]
    headers = _signed(_query(), host)
    headers["Authorization"] = headers["Authorization"].replace("LTAIsandboxKaidianSms", "LTAIother")
    response = _post(sms_sandbox.base_url, _query(), headers)
    assert (response.status_code, response.json()["Code"]) == (404, "InvalidAccessKeyId.NotFound")
    assert inbox.messages(MOBILE) == []


def test_a_missing_template_stops_start_up_naming_the_setting(backend, tmp_path, sms_sandbox):
    config = {**ALIYUN, "SMS_TEMPLATE_STAFF_NOTICE": "", "SMS_ALIYUN_ENDPOINT": sms_sandbox.base_url}
    with pytest.raises(ConfigError, match="SMS_TEMPLATE_STAFF_NOTICE is not set"):
        make_app(backend, tmp_path, **config)


def test_a_missing_access_key_stops_start_up_naming_it_and_the_app_id_is_not_asked(backend, tmp_path):
    config = {**ALIYUN, "SMS_ALIYUN_ACCESS_KEY_SECRET": ""}
    with pytest.raises(ConfigError, match="SMS_ALIYUN_ACCESS_KEY_SECRET is not set") as raised:
        make_app(backend, tmp_path, **config)
    assert "SMS_APP_ID" not in str(raised.value)


def test_a_template_removed_after_start_up_fails_at_send_naming_the_setting(app, aliyun, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_TEMPLATE_LOGIN_CODE", "")
    with app.app_context(), pytest.raises(ConfigError, match="SMS_TEMPLATE_LOGIN_CODE is not set"):
        sms.send(MOBILE, "login_code", {"code": "123456", "minutes": "5"}, "text")


def test_an_unapproved_template_is_refused_by_the_provider(app, aliyun, inbox, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMS_TEMPLATE_LOGIN_CODE", "SMS_999")
    with app.app_context(), pytest.raises(sms.SmsNotSent):
        sms.send(MOBILE, "login_code", {"code": "123456", "minutes": "5"}, "text")
    assert "isv.SMS_TEMPLATE_ILLEGAL" in caplog.text and inbox.messages(MOBILE) == []


def test_a_staff_notice_goes_out_as_its_template_with_a_short_topic(app, alpha, aliyun, inbox, monkeypatch):
    assert staff_notice(app, alpha, monkeypatch, "您的开店套餐即将到期") == {"sms": "sent"}
    [message] = inbox.messages("13700137000")
    assert message["text"] == "【开店】您的店铺有新消息:您的开店套餐。详情请登录开店商家后台查看。"
    assert (message["template_id"], message["params"]) == ("SMS_100000002", {"topic": "您的开店套餐"})


def test_a_staff_notice_the_provider_refuses_is_a_failed_channel(app, alpha, aliyun, inbox, monkeypatch):
    fault(aliyun.base_url, "aliyun_sms.SendSms", "isv.AMOUNT_NOT_ENOUGH")
    outcomes = staff_notice(app, alpha, monkeypatch, "新订单")
    assert channels.failed(outcomes["sms"]) and inbox.messages("13700137000") == []


def test_production_refuses_the_sandboxs_aliyun_secret():
    from kaidian.platform.config import unsafe_settings

    problems = unsafe_settings({"SMS_ALIYUN_ACCESS_KEY_SECRET": SANDBOX["ALIYUN_SMS_ACCESS_KEY_SECRET"]})
    assert any(problem.startswith("SMS_ALIYUN_ACCESS_KEY_SECRET") for problem in problems)
    assert not any("SMS_" in problem for problem in unsafe_settings({"SMS_ALIYUN_ACCESS_KEY_SECRET": "a-real-one"}))
