"""Sending text messages to mainland mobile numbers, through a sender chosen by ``SMS_SENDER``.

Mainland providers do not send free text: a message is an approved **template** (a template id) filled
with **parameters**, under an approved **signature** (签名), from an SMS app. So a message here is a
**kind** with named parameters (``KINDS``), plus ``text``, the same message rendered in the store's
language for the senders that take free text:

* ``login_code`` — ``code`` (6 digits), ``minutes`` it lives: a shopper's login code;
* ``staff_notice`` — ``topic``: a store's staff notification (billing reminders, new paid orders); the
  SMS only says what it is about and sends the merchant to the admin, the details stay there.

Parameters are kept short because providers cap each one: Tencent Cloud SMS takes at most 6 pure digits
per variable of a verification-code template and at most 6 characters (a Chinese character, letter,
digit, punctuation mark or space each count 1) per variable of other templates ("短信正文模板中每个变量
是否有字数限制", Tencent Cloud SMS template FAQ, https://cloud.tencent.com/document/product/382/13301).
``clip`` cuts a free value (the staff topic) to ``PARAM_LIMIT``.

Senders are registered by name (``register_sender``); each is ``send(mobile, kind, params, text)`` and
raises ``SmsNotSent`` when the message did not go out, and may bring ``problems(config)`` — the settings
it misses, checked at start-up (``check_config``, from ``customers.init_app``) and again at each send:

* ``log`` (development default): writes ``text``, code included, to the application log;
* ``sandbox`` (tests, ``make run``): posts ``text`` to the sandbox's SMS inbox (``SMS_SANDBOX_BASE``
  + ``/sandbox/sms/send``), where tests read what a number received;
* ``tencent`` (``sms_tencent.py``): Tencent Cloud SMS through its own SDK, template id per kind from
  ``SMS_TEMPLATE_<KIND>`` (``template_setting``), ``SMS_SIGN_NAME``, ``SMS_APP_ID``;
* ``aliyun`` (``sms_aliyun.py``): Alibaba Cloud SMS through its own SDK, ``SendSms`` with the template
  code per kind from ``SMS_TEMPLATE_<KIND>``, ``SMS_SIGN_NAME`` and ``TemplateParam`` as a JSON object by
  the template's variable names (``sms_aliyun.VARIABLES``); no ``SMS_APP_ID``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from kaidian.platform.config import ConfigError

from .errors import SmsNotSent

log = logging.getLogger(__name__)

# kind -> its parameters, in the order of the template's variables ({1}, {2}, …)
KINDS: dict[str, tuple[str, ...]] = {
    "login_code": ("code", "minutes"),
    "staff_notice": ("topic",),
}
PARAM_LIMIT = 6  # characters per parameter (Tencent Cloud's cap, see above)

SendFunction = Callable[[str, str, dict, str], None]


@dataclass(frozen=True)
class Sender:
    send: SendFunction
    problems: Callable[[dict], list[str]] = lambda config: []


_SENDERS: dict[str, Sender] = {}


def register_sender(name: str, send: SendFunction, problems: Callable[[dict], list[str]] | None = None) -> None:
    _SENDERS[name] = Sender(send, problems or (lambda config: []))


def sender_names() -> list[str]:
    return sorted(_SENDERS)


def template_setting(kind: str) -> str:
    """The setting holding the provider's template id for ``kind`` (``SMS_TEMPLATE_LOGIN_CODE``)."""
    return f"SMS_TEMPLATE_{kind.upper()}"


def missing_settings(config, required: tuple[str, ...]) -> list[str]:
    """A provider's ``problems``: each of ``required`` and each kind's template setting left empty, by name."""
    names = [*required, *(template_setting(kind) for kind in KINDS)]
    return [f"{name} is not set" for name in names if not str(config.get(name) or "").strip()]


def endpoint_parts(value: str) -> tuple[str, str]:
    """``(protocol, host)`` of a provider endpoint setting: ``api.example.com`` is HTTPS; a URL such as
    ``http://127.0.0.1:5100`` (the sandbox in tests) says its own."""
    endpoint = value.strip().rstrip("/")
    return tuple(endpoint.split("://", 1)) if "://" in endpoint else ("https", endpoint)


def masked(mobile: str) -> str:
    """A number as logs show it: 138****8000."""
    return mobile[:3] + "****" + mobile[-4:]


def clip(value: str, limit: int = PARAM_LIMIT) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[:limit]


def _sender(config) -> Sender:
    name = config["SMS_SENDER"]
    sender = _SENDERS.get(name)
    if sender is None:
        raise ConfigError(f"SMS_SENDER={name!r} is not a registered sender ({', '.join(sender_names())})")
    return sender


def check_config(config) -> None:
    """Raise ``ConfigError`` naming each setting the configured sender misses (start-up and each send)."""
    problems = _sender(config).problems(config)
    if problems:
        raise ConfigError(f"SMS_SENDER={config['SMS_SENDER']}: " + "; ".join(problems))


def send(mobile: str, kind: str, params: dict, text: str) -> None:
    """Send the ``kind`` message with ``params`` to ``mobile`` with the configured sender; ``text`` is the
    rendered message for free-text senders. ``SmsNotSent`` if it did not go out; ``ConfigError`` naming
    the setting when the sender is misconfigured."""
    expected = KINDS.get(kind)
    if expected is None or set(params) != set(expected):
        raise ValueError(f"SMS kind {kind!r} takes parameters {expected}, got {sorted(params)}")
    check_config(current_app.config)
    _sender(current_app.config).send(mobile, kind, {name: str(params[name]) for name in expected}, text)


def _log_sender(mobile: str, kind: str, params: dict, text: str) -> None:
    log.warning("SMS to %s (SMS_SENDER=log, not sent): %s", mobile, text)


def _sandbox_sender(mobile: str, kind: str, params: dict, text: str) -> None:
    url = current_app.config["SMS_SANDBOX_BASE"].rstrip("/") + "/sandbox/sms/send"
    try:
        response = requests.post(url, json={"mobile": mobile, "text": text, "sign": "Kaidian"}, timeout=5)
    except requests.RequestException as exc:
        log.warning("sandbox SMS to %s failed: %s", mobile, exc)
        raise SmsNotSent() from exc
    if response.status_code != 200:
        log.warning("sandbox SMS to %s refused: %s %s", mobile, response.status_code, response.text[:200])
        raise SmsNotSent()


register_sender("log", _log_sender)
register_sender("sandbox", _sandbox_sender)


def staff_channel(tenant, subject: str, text: str, topic: str = "") -> str:
    """The ``sms`` channel of staff notifications (``kaidian.notifications.channels``): the store's contact
    phone, through the configured sender, as a ``staff_notice`` whose ``topic`` (clipped to 6 characters)
    says what it is about; free-text senders get the whole subject and text."""
    from kaidian.notifications.channels import ChannelFailed

    if not tenant.contact_phone:
        return "skipped: no mobile number"
    if not topic:
        with force_locale(tenant.default_locale or "zh"):
            topic = _("New notice")
    try:
        send(tenant.contact_phone, "staff_notice", {"topic": clip(topic)}, f"{subject}: {text}")
    except Exception as error:  # noqa: BLE001 - the sender's own failure (SmsNotSent) or a misconfigured sender
        raise ChannelFailed(f"sms: {error}") from error
    return "sent"
