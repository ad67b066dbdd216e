"""Which ways of paying a shopper is offered — decided here, once, from where the shopper is and which
providers the store has set up. The pay page draws these choices and the pay endpoint accepts only them.

Where the shopper is comes from the browser's User-Agent, the only thing a page request carries:

- inside a **mini program's web-view** (``MicroMessenger`` and ``miniProgram``): only the **hand-off**
  ``miniprogram`` to the mini program's native pay page. WeChat lets a mini program pay only from native
  code (``wx.requestPayment``), for the mini program's AppID and the shopper's openid under it — a JSAPI
  order for the official account made from the web-view would be refused. So the web page starts no
  payment: its button calls ``wx.miniProgram.navigateTo`` (WeChat's JS-SDK) to ``/pages/pay/pay``, which
  pays through ``POST /api/mp/orders/<id>/pay`` (``orders/mini_program.py``). It is offered when that
  endpoint can pay *this* order (``hands_off``): the store has a bound mini program (the rule shoppers log
  in by, registered by the WeChat package: ``register_mini_program``), the shopper's WeChat identity is
  under that mini program (the native page pays as the customer of (store, its AppID, openid) and finds
  the order among that customer's: a shopper who logged in another way inside the web-view — an SMS
  code, the official account — is someone else there and would meet a 404), and the channel it pays with
  (``HANDOFFS``: JSAPI) has its provider set up;
- inside WeChat (``MicroMessenger``): **JSAPI**. WeChat blocks Alipay's pages, and H5 / Native make
  no sense where the payment sheet itself is available. When the store has a mini program the page also
  carries the hand-off on *standby*: hidden, shown (and JSAPI hidden) only if the page's script finds
  itself in a mini program after all (``window.__wxjs_environment === "miniprogram"``, for WeChat
  versions whose web-view User-Agent lacks the marker); the endpoint's rule stays the User-Agent's;
- a phone's or tablet's browser: **H5** (WeChat Pay opens the WeChat app) and **Alipay WAP**;
- a computer: **Native** (a QR code to scan with WeChat) and **Alipay page pay**.

What WeChat documents about the web-view (component ``web-view``, developers.weixin.qq.com/miniprogram/
dev/component/web-view.html): from WeChat 7.0.0 the web-view's User-Agent contains ``miniProgram``; in
the page, ``window.__wxjs_environment === 'miniprogram'`` (read it once ``WeixinJSBridgeReady`` has
fired) or the JS-SDK's ``wx.miniProgram.getEnv`` tell the same, and the JS-SDK's ``wx.miniProgram.
navigateTo`` opens a mini-program page. Developers report the same UA rule in practice
(juejin.cn/post/7321167987436421131: ``MicroMessenger`` for WeChat, ``miniprogram`` for a mini program,
with the caveat that some iOS versions left it out — hence the standby above). ``weixin-js-sdk`` 1.6.5
(node_modules) sends ``invokeMiniProgramAPI`` ``{name: "navigateTo", arg: {url}}`` to the bridge, and
its ``getEnv`` reads that same ``__wxjs_environment``.

A channel is offered only when the store's settings for its provider are complete
(``configuration.credentials`` accepts them). The order of each list is the order of the buttons.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .configuration import credentials, store_settings
from .errors import NotConfigured
from .models import CHANNEL_PROVIDERS

WECHAT, MINI_PROGRAM, MOBILE, DESKTOP = "wechat", "miniprogram", "mobile", "desktop"
HANDOFF = "miniprogram"  # the hand-off to the mini program's native pay page (starts no payment here)
# each hand-off and the payment channel the page it hands to pays with (orders/mini_program.py: JSAPI)
HANDOFFS: dict[str, str] = {HANDOFF: "jsapi"}
CONTEXT_CHANNELS: dict[str, tuple[str, ...]] = {
    MINI_PROGRAM: (HANDOFF,),
    WECHAT: ("jsapi", HANDOFF),  # the hand-off on standby (see the module docstring)
    MOBILE: ("h5", "alipay_wap"),
    DESKTOP: ("native", "alipay_page"),
}
_WECHAT = re.compile(r"MicroMessenger", re.IGNORECASE)
_MINI_PROGRAM = re.compile(r"miniProgram", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone", re.IGNORECASE)

# name → lookup of the current store's mini program that shoppers pay in (its AppID, or None)
_MINI_PROGRAM_LOOKUPS: dict[str, Callable[[], str | None]] = {}


def context_of(user_agent: str | None) -> str:
    """``miniprogram``, ``wechat``, ``mobile`` or ``desktop`` for a browser's User-Agent (an unknown one is
    a computer)."""
    agent = (user_agent or "")[:512]
    if _WECHAT.search(agent):
        return MINI_PROGRAM if _MINI_PROGRAM.search(agent) else WECHAT
    if _MOBILE.search(agent):
        return MOBILE
    return DESKTOP


def register_mini_program(name: str, lookup: Callable[[], str | None]) -> None:
    """Add (or replace, by name) ``lookup() -> AppID | None``: the current store's mini program whose
    native pay page can take a hand-off (the WeChat package registers its login rule)."""
    _MINI_PROGRAM_LOOKUPS[name] = lookup


def store_mini_program() -> str | None:
    """The AppID of the current store's mini program shoppers can pay in, or None."""
    for lookup in _MINI_PROGRAM_LOOKUPS.values():
        appid = lookup()
        if appid:
            return appid
    return None


def hands_off(shopper_appid: str | None) -> bool:
    """Whether a shopper whose WeChat identity is under ``shopper_appid`` (None: no WeChat identity) can be
    handed to the store's mini program's pay page: that AppID is the store's mini program shoppers pay in
    (see the module docstring)."""
    return bool(shopper_appid) and shopper_appid == store_mini_program()


def needs_mini_program(context: str) -> bool:
    """Whether ``context`` offers a hand-off (so the store's mini program must be looked up)."""
    return any(channel in HANDOFFS for channel in CONTEXT_CHANNELS[context])


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


def provider_of(channel: str) -> str:
    """The provider a channel pays through (a hand-off: the one of the channel it hands to)."""
    return CHANNEL_PROVIDERS[HANDOFFS.get(channel, channel)]


def offered(context: str, providers: set[str], mini_program: bool = False) -> list[dict]:
    """The channels offered in ``context`` by ``providers``: ``[{"channel", "provider", "handoff",
    "standby"}]`` — ``handoff``: the page hands the order to the mini program (never a payment channel of
    the pay endpoint); ``standby``: shown only if the page finds itself in a mini program. A hand-off
    needs ``mini_program`` (the shopper can be handed to the store's mini program: ``hands_off``)."""
    choices = []
    for channel in CONTEXT_CHANNELS[context]:
        handoff = channel in HANDOFFS
        if provider_of(channel) not in providers or (handoff and not mini_program):
            continue
        choices.append({"channel": channel, "provider": provider_of(channel), "handoff": handoff,
                        "standby": handoff and context != MINI_PROGRAM})
    return choices
