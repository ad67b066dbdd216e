"""Fixtures of the whole-purchase tests: the platform served over HTTP on loopback, one sandbox
serving both WeChat (component, shopper login, template messages, parcel traces) and WeChat Pay
(prepay, the cashier page, notifications and refunds) with its pushes pointed at that server, and
the app's WeChat and WeChat Pay base URLs pointed at the sandbox. ``app`` is that served app."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask_migrate import upgrade

from kaidian.platform.extensions import db
from kaidian.sandbox.testing import SandboxServer, run_wsgi_in_thread, start_sandbox
from tests.conftest import make_app


@dataclass
class ShopEnv:
    app: object
    platform_url: str
    server: SandboxServer


@pytest.fixture(scope="session")
def shop_env(backend, tmp_path_factory):
    holder: dict = {}
    platform_url, stop_platform = run_wsgi_in_thread(lambda environ, start: holder["app"](environ, start))
    server = start_sandbox({
        "SANDBOX_STATE_PATH": str(tmp_path_factory.mktemp("shopsandbox") / "state.json"),
        "PLATFORM_EVENT_URL": f"{platform_url}/wechat/component/events",
        "PLATFORM_MESSAGE_URL_TEMPLATE": f"{platform_url}/wechat/authorizers/$APPID$/events",
        "TEMPLATE_FINISH_DELAY": 0, "PAY_NOTIFY_RETRY_DELAYS": "0.3,0.3,0.3", "PAY_REFUND_DELAY": "0.2",
        "PUSH_TIMEOUT": 5,
    })
    app = make_app(backend, tmp_path_factory.mktemp("media"), WECHAT_API_BASE=server.base_url,
                   WECHAT_MP_BASE=server.base_url, WECHAT_OPEN_BASE=server.base_url, WECHAT_HTTP_TIMEOUT=10,
                   SHIPPING_TRACE_BASE=server.base_url, WECHATPAY_BASE_URL=server.base_url,
                   ALIPAY_GATEWAY_URL=server.base_url + "/gateway.do", WECHATPAY_NOTIFY_BASE=platform_url)
    with app.app_context():
        upgrade()
        db.session.remove()
    holder["app"] = app
    yield ShopEnv(app, platform_url, server)
    notifier = server.app.extensions["kaidian_sandbox"].pay_notifier
    if notifier is not None:
        notifier.stop()
    server.stop()
    stop_platform()


@pytest.fixture(scope="session")
def app(shop_env):
    return shop_env.app
