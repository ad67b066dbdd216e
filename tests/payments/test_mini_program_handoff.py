"""Paying from the store's web pages inside the mini program's web-view (User-Agent ``MicroMessenger`` +
``miniProgram``): the one way offered is the hand-off to the mini program's native pay page, and only when
the store has a bound mini program and WeChat Pay set up (what ``POST /api/mp/orders/<id>/pay`` needs);
the pay endpoint refuses every channel there and starts nothing; without a mini program the page says
why. Inside plain WeChat the hand-off waits on standby (hidden) beside JSAPI."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import update

from kaidian.payments import channels
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from tests.orders.helpers import Shopper

from .test_orders_through_the_sandbox import order_status
from .test_pay_channels import (
    IPHONE,
    WECHAT,
    alipay,  # noqa: F401  (the fixture)
    buttons,
    payment_count,
    place,
)

MINI_PROGRAM = "wx5a4db0c000000003"
ANDROID_WEBVIEW = ("Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, "
                   "like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 "
                   "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN "
                   f"ABI/arm64 miniProgram/{MINI_PROGRAM}")
IOS_WEBVIEW = IPHONE.replace(" Safari/604.1", "") + f" MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI " \
    f"Language/zh_CN miniProgram/{MINI_PROGRAM}"
PC_WEBVIEW = ("Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 "
              "Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090a13) "
              "XWEB/9129 Flue MiniProgramEnv/Windows")


def shopper_of(app, store, agent: str, **identity):
    """A shopper of ``store`` logged in with ``identity`` (by default: WeChat, under the store's mini program,
    as ``/api/mp/login`` and the web-view hand-off make them), browsing with ``agent``."""
    from kaidian.customers.models import Customer

    identity = identity or {"authorizer_appid": MINI_PROGRAM, "openid": f"o-mp-{uuid.uuid4().hex[:12]}"}
    with app.app_context(), tenant_context(store.tenant_id):
        customer = Customer(**identity)
        db.session.add(customer)
        db.session.commit()
        customer_id = customer.id
        db.session.remove()
    shopper = Shopper(app, store.slug, store.tenant_id, customer_id)
    shopper.client.environ_base["HTTP_USER_AGENT"] = agent
    shopper.client.set_cookie("lang", "en", domain=f"{store.slug}.localhost")
    return shopper


@pytest.fixture
def mini_program(app, alpha):
    """alpha's mini program, bound (what ``POST /api/mp/login`` accepts); ``unbind()`` marks it unauthorized."""
    from kaidian.wechat.models import Authorizer, AuthorizerKind, AuthorizerStatus

    with app.app_context(), tenant_context(alpha.tenant_id):
        db.session.add(Authorizer(appid=MINI_PROGRAM, kind=AuthorizerKind.MINI_PROGRAM,
                                  status=AuthorizerStatus.AUTHORIZED, nick_name="Alpha 小程序"))
        db.session.commit()
        db.session.remove()
    return MINI_PROGRAM


def _unbind(app, alpha) -> None:
    from kaidian.wechat.models import Authorizer, AuthorizerStatus

    with app.app_context(), tenant_context(alpha.tenant_id):
        db.session.execute(update(Authorizer).values(status=AuthorizerStatus.UNAUTHORIZED))
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("agent", [ANDROID_WEBVIEW, IOS_WEBVIEW, PC_WEBVIEW])
def test_a_mini_programs_web_view_is_its_own_context(agent):
    assert channels.context_of(agent) == "miniprogram"
    assert channels.context_of(agent.replace(f" miniProgram/{MINI_PROGRAM}", "")
                               .replace(" MiniProgramEnv/Windows", "")) == "wechat"
    assert channels.context_of(f"Mozilla/5.0 miniProgram/{MINI_PROGRAM}") != "miniprogram"  # not without WeChat


@pytest.mark.parametrize(("context", "providers", "has_mini_program", "offered"), [
    ("miniprogram", {"wechatpay", "alipay"}, True, [("miniprogram", False)]),
    ("miniprogram", {"wechatpay", "alipay"}, False, []),  # no mini program to hand to
    ("miniprogram", {"alipay"}, True, []),  # its pay page pays with WeChat Pay only
    ("wechat", {"wechatpay"}, True, [("jsapi", False), ("miniprogram", True)]),  # the hand-off on standby
    ("wechat", {"wechatpay"}, False, [("jsapi", False)]),
    ("mobile", {"wechatpay", "alipay"}, True, [("h5", False), ("alipay_wap", False)]),
    ("desktop", {"wechatpay"}, True, [("native", False)]),
])
def test_one_rule_decides_the_hand_off(context, providers, has_mini_program, offered):
    choices = channels.offered(context, providers, mini_program=has_mini_program)
    assert [(c["channel"], c["standby"]) for c in choices] == offered
    assert all(c["handoff"] == (c["channel"] == "miniprogram") for c in choices)
    assert all(c["provider"] == "wechatpay" for c in choices if c["handoff"])


@pytest.mark.usefixtures("alipay")  # Alipay set up changes nothing in the web-view
def test_in_the_web_view_the_pay_page_offers_only_the_hand_off(app, sandbox, direct, alpha, mini_program):
    shopper = shopper_of(app, alpha, ANDROID_WEBVIEW)
    order, _sku = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert buttons(html) == ["miniprogram"]
    assert f'data-kd-handoff="/pages/pay/pay?order_id={order["id"]}"' in html
    assert "Pay in the mini program" in html and "Pay with WeChat" not in html and "data-kd-standby" not in html
    assert re.search(r'<script src="/static/themes/mini-program\.bundle\.js[^"]*" defer>', html)
    assert "data-kd-no-channel" not in html


def test_the_hand_off_reads_chinese_first(app, sandbox, direct, alpha, mini_program):
    shopper = shopper_of(app, alpha, IOS_WEBVIEW)
    shopper.client.set_cookie("lang", "zh", domain=f"{alpha.slug}.localhost")
    order, _sku = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert buttons(html) == ["miniprogram"] and "在小程序中支付" in html


@pytest.mark.usefixtures("alipay")
@pytest.mark.parametrize("channel", ["jsapi", "native", "h5", "alipay_wap", "alipay_page", "miniprogram"])
def test_in_the_web_view_the_pay_endpoint_refuses_every_channel_and_starts_nothing(app, sandbox, direct, alpha,
                                                                                    mini_program, channel):
    shopper = shopper_of(app, alpha, ANDROID_WEBVIEW)
    order, _sku = place(app, alpha, shopper)
    response = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": channel})
    assert response.status_code == 422, response.get_json()
    assert payment_count(app) == 0 and sandbox.state()["transactions"] == {}
    assert order_status(app, order["id"]) == "pending_payment"


@pytest.mark.parametrize("why", ["no_mini_program", "unbound", "no_wechat_pay"])
def test_without_a_mini_program_that_can_pay_the_page_says_so(app, sandbox, alpha, request, why):
    if why != "no_wechat_pay":
        request.getfixturevalue("direct")
    if why != "no_mini_program":
        request.getfixturevalue("mini_program")
    if why == "unbound":
        _unbind(app, alpha)
    shopper = shopper_of(app, alpha, ANDROID_WEBVIEW)
    order, _sku = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert buttons(html) == [] and "data-kd-no-channel" in html
    assert "This store cannot take payments in its mini program yet." in html
    assert "mini-program.bundle.js" not in html
    refused = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "jsapi"})
    assert refused.status_code == 422 and payment_count(app) == 0


@pytest.mark.parametrize("identity", [
    {"mobile": "13900139000"},  # logged in by SMS inside the web-view
    {"authorizer_appid": "wx5a4db0c000000001", "openid": "o-official-account"},  # the official account's
])
@pytest.mark.parametrize("agent", [ANDROID_WEBVIEW, WECHAT])
def test_a_shopper_who_is_not_the_mini_programs_customer_is_not_handed_to_it(app, sandbox, direct, alpha,
                                                                              mini_program, identity, agent):
    """The native pay page pays as the mini program's customer and would not find this shopper's order (404):
    the web page offers no hand-off (nor its standby) and says paying is not available here."""
    shopper = shopper_of(app, alpha, agent, **identity)
    order, _sku = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert "miniprogram" not in buttons(html) and "/pages/pay/pay" not in html
    assert "mini-program.bundle.js" not in html
    if agent == ANDROID_WEBVIEW:
        assert buttons(html) == [] and "data-kd-no-channel" in html
        assert "This store cannot take payments in its mini program yet." in html
    else:
        assert buttons(html) == ["jsapi"]
    assert payment_count(app) == 0


def test_inside_wechat_the_hand_off_waits_hidden_beside_jsapi(app, sandbox, direct, alpha, mini_program):
    shopper = shopper_of(app, alpha, WECHAT)
    order, _sku = place(app, alpha, shopper)
    html = shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)
    assert buttons(html) == ["jsapi", "miniprogram"]
    [standby] = re.findall(r'<button[^>]*data-kd-paynow="miniprogram"[^>]*>', html)
    assert "data-kd-standby" in standby and " hidden" in standby
    assert "mini-program.bundle.js" in html
    started = shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "jsapi"})  # JSAPI still pays
    assert started.status_code == 200, started.get_json()
    assert shopper.post(f"/api/store/orders/{order['id']}/pay", {"channel": "miniprogram"}).status_code == 422


def test_another_stores_mini_program_is_not_this_stores(app, sandbox, direct, alpha, bravo):
    from kaidian.wechat.models import Authorizer, AuthorizerKind, AuthorizerStatus

    with app.app_context(), tenant_context(bravo.tenant_id):
        db.session.add(Authorizer(appid=MINI_PROGRAM, kind=AuthorizerKind.MINI_PROGRAM,
                                  status=AuthorizerStatus.AUTHORIZED))
        db.session.commit()
        db.session.remove()
    shopper = shopper_of(app, alpha, ANDROID_WEBVIEW)
    order, _sku = place(app, alpha, shopper)
    assert buttons(shopper.get(f"/orders/{order['id']}/pay").get_data(as_text=True)) == []
