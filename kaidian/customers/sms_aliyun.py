"""The ``aliyun`` SMS sender: Alibaba Cloud SMS (``SendSms``, API 2017-05-25) through Alibaba's own SDK
(``alibabacloud-dysmsapi20170525`` on ``alibabacloud-tea-openapi``), which signs each call with
ACS3-HMAC-SHA256 in the ``Authorization`` header (``alibabacloud_tea_openapi.client.Client.do_request``,
the default of SDK v4 for an RPC API; the parameters travel in the query string).

Settings: ``SMS_ALIYUN_ACCESS_KEY_ID`` / ``SMS_ALIYUN_ACCESS_KEY_SECRET`` (a RAM key allowed
``dysms:SendSms``; from the environment, never committed), ``SMS_SIGN_NAME`` (the approved signature),
``SMS_TEMPLATE_<KIND>`` (an approved template code, ``SMS_…``, per kind of ``sms.KINDS``) and
``SMS_ALIYUN_ENDPOINT`` (the API host; ``http://host:port`` speaks plain HTTP, which is how tests point
the SDK at the sandbox). ``SMS_APP_ID`` is Tencent's and not needed here.

Aliyun templates name their variables (``${code}``); ``TemplateParam`` is a JSON object by those names.
``VARIABLES`` maps each kind's parameters to the variable names the approved templates must use:
``login_code`` → ``${code}``, ``${minutes}``; ``staff_notice`` → ``${topic}``.

``body.code`` is ``OK`` or an error code (``isv.BUSINESS_LIMIT_CONTROL`` — the number's frequency limit,
``isv.SMS_TEMPLATE_ILLEGAL``, ``isv.SMS_SIGNATURE_ILLEGAL``…); anything but ``OK``, and any error of the
call itself (``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``, network), is logged with the
provider's code, the number masked, and raised as ``SmsNotSent``.
"""

from __future__ import annotations

import json
import logging

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from darabonba.exceptions import DaraException, UnretryableException
from darabonba.runtime import RuntimeOptions
from flask import current_app

from . import sms
from .errors import SmsNotSent

log = logging.getLogger(__name__)

REQUIRED = ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_SIGN_NAME")

# kind -> {our parameter: the template's variable name}
VARIABLES: dict[str, dict[str, str]] = {
    "login_code": {"code": "code", "minutes": "minutes"},
    "staff_notice": {"topic": "topic"},
}


def problems(config) -> list[str]:
    """Each missing setting, by name."""
    return sms.missing_settings(config, REQUIRED)


def _client(config) -> Client:
    protocol, endpoint = sms.endpoint_parts(config["SMS_ALIYUN_ENDPOINT"])
    timeout_ms = int(config["SMS_HTTP_TIMEOUT"]) * 1000
    return Client(
        openapi_models.Config(
            access_key_id=config["SMS_ALIYUN_ACCESS_KEY_ID"],
            access_key_secret=config["SMS_ALIYUN_ACCESS_KEY_SECRET"],
            endpoint=endpoint,
            protocol=protocol,
            connect_timeout=timeout_ms,
            read_timeout=timeout_ms,
        )
    )


def template_param(kind: str, params: dict) -> str:
    """``TemplateParam``: the kind's parameters as a JSON object by the template's variable names."""
    return json.dumps({VARIABLES[kind][name]: params[name] for name in sms.KINDS[kind]}, ensure_ascii=False)


def send(mobile: str, kind: str, params: dict, text: str) -> None:
    config = current_app.config
    request = models.SendSmsRequest(
        phone_numbers=mobile,
        sign_name=config["SMS_SIGN_NAME"],
        template_code=config[sms.template_setting(kind)],
        template_param=template_param(kind, params),
    )
    try:
        response = _client(config).send_sms_with_options(request, RuntimeOptions())
    except (DaraException, UnretryableException) as error:
        log.warning(
            "Aliyun SMS %s to %s failed: %s %s",
            kind,
            sms.masked(mobile),
            getattr(error, "code", None) or type(error).__name__,
            getattr(error, "message", None) or error,
        )
        raise SmsNotSent() from error
    body = response.body
    if body is None or body.code != "OK":
        log.warning(
            "Aliyun SMS %s to %s refused: %s %s (request %s)",
            kind,
            sms.masked(mobile),
            getattr(body, "code", None),
            getattr(body, "message", None),
            getattr(body, "request_id", None),
        )
        raise SmsNotSent()


sms.register_sender("aliyun", send, problems)
