"""Sending text messages to shoppers' mobile numbers, through a sender chosen by ``SMS_SENDER``.

Senders are registered by name (``register_sender``); each is ``send(mobile, text)`` and raises
``SmsNotSent`` when the message did not go out:

* ``log`` (development default): writes the message, code included, to the application log;
* ``sandbox`` (tests, ``make run``): posts to the WeChat sandbox's SMS inbox (``SMS_SANDBOX_BASE``
  + ``/sandbox/sms/send``), where tests read what a number received;
* real providers (Aliyun, Tencent Cloud SMS) register here later under their own names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests
from flask import current_app

from .errors import SmsNotSent

log = logging.getLogger(__name__)

Sender = Callable[[str, str], None]
_SENDERS: dict[str, Sender] = {}


def register_sender(name: str, sender: Sender) -> None:
    _SENDERS[name] = sender


def sender_names() -> list[str]:
    return sorted(_SENDERS)


def send(mobile: str, text: str) -> None:
    """Send ``text`` to ``mobile`` with the configured sender (``SmsNotSent`` if it did not go out)."""
    name = current_app.config["SMS_SENDER"]
    sender = _SENDERS.get(name)
    if sender is None:
        raise RuntimeError(f"SMS_SENDER={name!r} is not a registered sender ({', '.join(sender_names())})")
    sender(mobile, text)


def _log_sender(mobile: str, text: str) -> None:
    log.warning("SMS to %s (SMS_SENDER=log, not sent): %s", mobile, text)


def _sandbox_sender(mobile: str, text: str) -> None:
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


def staff_channel(tenant, subject: str, text: str) -> str:
    """The ``sms`` channel of staff notifications (``kaidian.notifications.channels``): the store's contact
    phone, through the configured sender."""
    from kaidian.notifications.channels import ChannelFailed

    if not tenant.contact_phone:
        return "skipped: no mobile number"
    try:
        send(tenant.contact_phone, f"{subject}: {text}")
    except Exception as error:  # noqa: BLE001 - the sender's own failure (SmsNotSent) or a misconfigured SMS_SENDER
        raise ChannelFailed(f"sms: {error}") from error
    return "sent"
