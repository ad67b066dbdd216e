"""The ``tencent`` SMS sender: Tencent Cloud's own SDK (a client Kaidian did not write) talks to the
sandbox's emulation of Tencent Cloud SMS, which verifies its TC3-HMAC-SHA256 signature, its app, signature
name and templates, and delivers the filled template to the inbox the shopper reads."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
import requests

from kaidian.customers import sms
from kaidian.customers.models import Customer
from kaidian.notifications import channels
from kaidian.platform.config import ConfigError
from kaidian.sandbox.config import DEFAULTS as SANDBOX
from kaidian.sandbox.tencent_sms import tc3_signature
from tests.conftest import make_app

from .sms_providers import assert_refused_and_no_code_works, fault, staff_notice
from .test_sms_login import MOBILE, api, rows, send

TENCENT = {
    "SMS_SENDER": "tencent",
    "SMS_TENCENT_SECRET_ID": SANDBOX["TENCENT_SMS_SECRET_ID"],
    "SMS_TENCENT_SECRET_KEY": SANDBOX["TENCENT_SMS_SECRET_KEY"],
    "SMS_APP_ID": SANDBOX["TENCENT_SMS_APP_ID"],
    "SMS_SIGN_NAME": SANDBOX["TENCENT_SMS_SIGN_NAME"],
    "SMS_TEMPLATE_LOGIN_CODE": "1000001",
    "SMS_TEMPLATE_STAFF_NOTICE": "1000002",
}


@pytest.fixture
def tencent(app, sms_sandbox, monkeypatch):
    """The app sends through the tencent sender, its SDK pointed at the sandbox over plain HTTP."""
    for name, value in {**TENCENT, "SMS_TENCENT_ENDPOINT": sms_sandbox.base_url}.items():
        monkeypatch.setitem(app.config, name, value)
    return sms_sandbox


def test_a_shopper_logs_in_with_the_code_sent_through_tencent_cloud(app, client, alpha, inbox, tencent):
    assert send(client).status_code == 204
    [message] = inbox.messages(MOBILE)
    code = inbox.last_code(MOBILE)
    assert message["text"] == f"【开店】您的登录验证码为{code},5分钟内有效,请勿泄露。"
    assert (message["template_id"], message["params"], message["sign"]) == ("1000001", [code, "5"], "开店")
    response = api(client, "/api/store/login", {"mobile": MOBILE, "code": code})
    assert response.status_code == 200
    [customer] = rows(app, Customer)
    assert customer.mobile == MOBILE and customer.tenant_id == alpha.tenant_id


def test_a_wrong_secret_key_is_refused_by_the_signature_check_and_nothing_is_sent(
    app, client, alpha, inbox, tencent, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "SMS_TENCENT_SECRET_KEY", "not-the-key")
    response = send(client)
    assert_refused_and_no_code_works(app, client, inbox, response)
    assert "AuthFailure.SignatureFailure" in caplog.text


def test_a_daily_limit_for_the_number_is_the_clear_error_and_no_code_works(app, client, alpha, inbox, tencent, caplog):
    fault(tencent.base_url, f"tencent_sms.SendSms:{MOBILE}", "LimitExceeded.PhoneNumberDailyLimit")
    response = send(client)
    assert_refused_and_no_code_works(app, client, inbox, response)
    [logged] = [r.getMessage() for r in caplog.records if r.name == "kaidian.customers.sms_tencent"]
    assert "LimitExceeded.PhoneNumberDailyLimit" in logged and MOBILE not in logged  # the number masked


def _signed(body: bytes, secret_key: str = SANDBOX["TENCENT_SMS_SECRET_KEY"], host: str = "") -> dict:
    timestamp = str(int(time.time()))
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    headers = {"content-type": "application/json", "host": host}
    signature = tc3_signature(secret_key, date, "sms", timestamp, "POST", headers, body)
    return {
        "Content-Type": "application/json",
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Timestamp": timestamp,
        "X-TC-Version": "2021-01-11",
        "Authorization": f"TC3-HMAC-SHA256 Credential={SANDBOX['TENCENT_SMS_SECRET_ID']}/{date}/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}",
    }


def _body(mobile: str = MOBILE) -> bytes:
    return json.dumps(
        {
            "PhoneNumberSet": [f"+86{mobile}"],
            "SmsSdkAppId": SANDBOX["TENCENT_SMS_APP_ID"],
            "SignName": SANDBOX["TENCENT_SMS_SIGN_NAME"],
            "TemplateId": "1000001",
            "TemplateParamSet": ["123456", "5"],
        },
        ensure_ascii=False,
    ).encode()


@pytest.mark.parametrize("forge", ["tampered body", "wrong key", "other host"])
def test_the_emulator_refuses_a_forged_request_and_records_nothing(sms_sandbox, inbox, forge):
    host = sms_sandbox.base_url.split("://")[1]
    body = _body()
    headers = _signed(body, host=host)
    if forge == "tampered body":
        body = _body("13900139000")
    elif forge == "wrong key":
        headers = _signed(body, secret_key="guessed", host=host)
    else:
        headers = _signed(body, host="sms.tencentcloudapi.com")
        headers["Host"] = host
    answer = requests.post(sms_sandbox.base_url + "/", data=body, headers=headers, timeout=5).json()["Response"]
    assert answer["Error"]["Code"] == "AuthFailure.SignatureFailure" and answer["RequestId"]
    assert inbox.messages(MOBILE) == [] and inbox.messages("13900139000") == []


def test_the_emulator_accepts_the_same_request_signed_right(sms_sandbox, inbox):
    host = sms_sandbox.base_url.split("://")[1]
    body = _body()
    answer = requests.post(sms_sandbox.base_url + "/", data=body, headers=_signed(body, host=host), timeout=5).json()[
        "Response"
    ]
    assert [status["Code"] for status in answer["SendStatusSet"]] == ["Ok"]
    assert inbox.last_code(MOBILE) == "123456"


def test_a_missing_template_stops_start_up_naming_the_setting(backend, tmp_path, sms_sandbox):
    config = {**TENCENT, "SMS_TEMPLATE_STAFF_NOTICE": "", "SMS_TENCENT_ENDPOINT": sms_sandbox.base_url}
    with pytest.raises(ConfigError, match="SMS_TEMPLATE_STAFF_NOTICE is not set"):
        make_app(backend, tmp_path, **config)


def test_a_template_removed_after_start_up_fails_at_send_naming_the_setting(app, tencent, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_TEMPLATE_LOGIN_CODE", "")
    with app.app_context(), pytest.raises(ConfigError, match="SMS_TEMPLATE_LOGIN_CODE is not set"):
        sms.send(MOBILE, "login_code", {"code": "123456", "minutes": "5"}, "text")


def test_an_unapproved_template_is_refused_by_the_provider(app, tencent, inbox, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMS_TEMPLATE_LOGIN_CODE", "999")
    with app.app_context(), pytest.raises(sms.SmsNotSent):
        sms.send(MOBILE, "login_code", {"code": "123456", "minutes": "5"}, "text")
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in caplog.text and inbox.messages(MOBILE) == []


def test_a_staff_notice_goes_out_as_its_template_with_a_short_topic(app, alpha, tencent, inbox, monkeypatch):
    assert staff_notice(app, alpha, monkeypatch, "套餐将到期") == {"sms": "sent"}
    [message] = inbox.messages("13700137000")
    assert message["text"] == "【开店】您的店铺有新消息:套餐将到期。详情请登录开店商家后台查看。"
    assert message["template_id"] == "1000002"


def test_a_long_staff_topic_is_clipped_to_the_providers_six_characters(app, alpha, tencent, inbox, monkeypatch):
    assert staff_notice(app, alpha, monkeypatch, "您的开店套餐即将到期") == {"sms": "sent"}
    assert inbox.messages("13700137000")[0]["params"] == ["您的开店套餐"]


def test_a_staff_notice_the_provider_refuses_is_a_failed_channel(app, alpha, tencent, inbox, monkeypatch):
    fault(tencent.base_url, "tencent_sms.SendSms", "FailedOperation.InsufficientBalanceInSmsPackage")
    outcomes = staff_notice(app, alpha, monkeypatch, "新订单")
    assert channels.failed(outcomes["sms"]) and inbox.messages("13700137000") == []


def test_without_a_topic_a_staff_notice_says_new_notice(app, alpha, tencent, inbox, monkeypatch):
    assert staff_notice(app, alpha, monkeypatch, "") == {"sms": "sent"}
    assert inbox.messages("13700137000")[0]["params"] == ["新通知"]


def test_production_refuses_the_sandboxs_tencent_key():
    from kaidian.platform.config import unsafe_settings

    problems = unsafe_settings({"SMS_TENCENT_SECRET_KEY": SANDBOX["TENCENT_SMS_SECRET_KEY"]})
    assert any(problem.startswith("SMS_TENCENT_SECRET_KEY") for problem in problems)
    assert not any("SMS_" in problem for problem in unsafe_settings({"SMS_TENCENT_SECRET_KEY": "a-real-key"}))
