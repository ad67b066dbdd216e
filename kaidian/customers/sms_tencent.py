"""The ``tencent`` SMS sender: Tencent Cloud SMS (``SendSms``, API 2021-01-11) through Tencent's own SDK
(``tencentcloud-sdk-python-sms``), which signs each call with TC3-HMAC-SHA256.

Settings: ``SMS_TENCENT_SECRET_ID`` / ``SMS_TENCENT_SECRET_KEY`` (a CAM key allowed ``sms:SendSms``; from
the environment, never committed), ``SMS_APP_ID`` (the SmsSdkAppId), ``SMS_SIGN_NAME`` (the approved
signature), ``SMS_TEMPLATE_<KIND>`` (an approved template id per kind of ``sms.KINDS``, its variables
{1}, {2}… in the kind's parameter order), ``SMS_TENCENT_REGION`` and ``SMS_TENCENT_ENDPOINT`` (the API
host; ``http://host:port`` speaks plain HTTP, which is how tests point the SDK at the sandbox).

Each number's ``SendStatusSet[].Code`` is ``Ok`` or an error code (``LimitExceeded.PhoneNumberDailyLimit``,
``FailedOperation.TemplateIncorrectOrUnapproved``…); anything but ``Ok``, and any error of the call
itself (``AuthFailure.SignatureFailure``, network), is logged with the provider's code and raised as
``SmsNotSent``.
"""

from __future__ import annotations

import logging

from flask import current_app
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from . import sms
from .errors import SmsNotSent

log = logging.getLogger(__name__)

REQUIRED = ("SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_APP_ID", "SMS_SIGN_NAME")


def problems(config) -> list[str]:
    """Each missing setting, by name."""
    return sms.missing_settings(config, REQUIRED)


def _client(config) -> sms_client.SmsClient:
    protocol, endpoint = sms.endpoint_parts(config["SMS_TENCENT_ENDPOINT"])
    http = HttpProfile(protocol=protocol, endpoint=endpoint, reqTimeout=config["SMS_HTTP_TIMEOUT"])
    cred = credential.Credential(config["SMS_TENCENT_SECRET_ID"], config["SMS_TENCENT_SECRET_KEY"])
    return sms_client.SmsClient(cred, config["SMS_TENCENT_REGION"], ClientProfile(httpProfile=http))


def send(mobile: str, kind: str, params: dict, text: str) -> None:
    config = current_app.config
    request = models.SendSmsRequest()
    request.PhoneNumberSet = ["+86" + mobile]
    request.SmsSdkAppId = config["SMS_APP_ID"]
    request.SignName = config["SMS_SIGN_NAME"]
    request.TemplateId = config[sms.template_setting(kind)]
    request.TemplateParamSet = [params[name] for name in sms.KINDS[kind]]
    try:
        response = _client(config).SendSms(request)
    except TencentCloudSDKException as error:
        log.warning(
            "Tencent SMS %s to %s failed: %s %s (request %s)",
            kind,
            sms.masked(mobile),
            error.get_code(),
            error.get_message(),
            error.get_request_id(),
        )
        raise SmsNotSent() from error
    statuses = response.SendStatusSet or []
    refused = [status for status in statuses if status.Code != "Ok"]
    for status in refused:
        log.warning(
            "Tencent SMS %s to %s refused: %s %s (request %s)",
            kind,
            sms.masked(mobile),
            status.Code,
            status.Message,
            response.RequestId,
        )
    if refused or not statuses:
        raise SmsNotSent()


sms.register_sender("tencent", send, problems)
