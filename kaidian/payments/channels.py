"""Which ways of paying a shopper is offered — decided here, once, from where the shopper is and which
providers the store has set up. The pay page draws these choices and the pay endpoint accepts only them.

Where the shopper is comes from the browser's User-Agent, the only thing a page request carries:

- inside WeChat (``MicroMessenger``): **JSAPI** only. WeChat blocks Alipay's pages, and H5 / Native make
  no sense where the payment sheet itself is available;
- a phone's or tablet's browser: **H5** (WeChat Pay opens the WeChat app) and **Alipay WAP**;
- a computer: **Native** (a QR code to scan with WeChat) and **Alipay page pay**.

A channel is offered only when the store's settings for its provider are complete
(``configuration.credentials`` accepts them). The order of each list is the order of the buttons.
"""

from __future__ import annotations

import re

from .configuration import credentials, store_settings
from .errors import NotConfigured
from .models import CHANNEL_PROVIDERS

WECHAT, MOBILE, DESKTOP = "wechat", "mobile", "desktop"
CONTEXT_CHANNELS: dict[str, tuple[str, ...]] = {
    WECHAT: ("jsapi",),
    MOBILE: ("h5", "alipay_wap"),
    DESKTOP: ("native", "alipay_page"),
}
_WECHAT = re.compile(r"MicroMessenger", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone", re.IGNORECASE)


def context_of(user_agent: str | None) -> str:
    """``wechat``, ``mobile`` or ``desktop`` for a browser's User-Agent (an unknown one is a computer)."""
    agent = (user_agent or "")[:512]
    if _WECHAT.search(agent):
        return WECHAT
    if _MOBILE.search(agent):
        return MOBILE
    return DESKTOP


def configured_providers() -> set[str]:
    """The providers whose settings are complete for the current store."""
    ready = set()
    for provider in set(CHANNEL_PROVIDERS.values()):
        try:
            credentials(store_settings(provider))
        except NotConfigured:
            continue
        ready.add(provider)
    return ready


def offered(context: str, providers: set[str]) -> list[dict]:
    """The channels offered in ``context`` by ``providers``: ``[{"channel", "provider"}]``."""
    return [{"channel": channel, "provider": CHANNEL_PROVIDERS[channel]}
            for channel in CONTEXT_CHANNELS[context] if CHANNEL_PROVIDERS[channel] in providers]
