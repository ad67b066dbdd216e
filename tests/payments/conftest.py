"""Fixtures for the payments tests: the platform served over HTTP on loopback (WeChat Pay's sandbox sends
its notifications there), the sandbox over HTTP with a shortened retry schedule, a service-provider
merchant registered in it for partner mode, and a recorder of the payments' domain events."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from flask_migrate import upgrade

from kaidian.platform import events
from kaidian.platform.extensions import db
from kaidian.platform.tenancy import tenant_context
from kaidian.sandbox.testing import SandboxServer, run_wsgi_in_thread, start_sandbox
from tests.conftest import make_app

SP_MCHID = "1900000100"
SP_APPID = "wxsp00000000000001"
RECORDED: list = []


@dataclass
class PayEnv:
    app: object
    platform_url: str
    server: SandboxServer
    sp: dict


def _record_event(event) -> None:
    RECORDED.append(event)


@pytest.fixture(scope="session")
def pay_env(backend, tmp_path_factory):
    holder: dict = {}
    platform_url, stop_platform = run_wsgi_in_thread(lambda environ, start: holder["app"](environ, start))
    server = start_sandbox({"SANDBOX_STATE_PATH": str(tmp_path_factory.mktemp("paysandbox") / "state.json"),
                            "PAY_NOTIFY_RETRY_DELAYS": "0.3,0.3,0.3", "PAY_REFUND_DELAY": "0.2",
                            "PUSH_TIMEOUT": 5})
    sp = requests.post(server.base_url + "/sandbox/pay/merchants", json={"mchid": SP_MCHID, "name": "平台服务商"},
                       timeout=10).json()
    app = make_app(backend, tmp_path_factory.mktemp("media"), WECHATPAY_BASE_URL=server.base_url,
                   ALIPAY_GATEWAY_URL=server.base_url + "/gateway.do",
                   WECHATPAY_NOTIFY_BASE=platform_url, WECHATPAY_SP_MCHID=SP_MCHID, WECHATPAY_SP_APPID=SP_APPID,
                   WECHATPAY_SP_APIV3_KEY=sp["apiv3_key"], WECHATPAY_SP_PRIVATE_KEY=sp["private_key"],
                   WECHATPAY_SP_CERT_SERIAL=sp["serial_no"], WECHATPAY_SP_PUBLIC_KEY=sp["wechatpay_public_key"],
                   WECHATPAY_SP_PUBLIC_KEY_ID=sp["wechatpay_public_key_id"])
    with app.app_context():
        upgrade()
        db.session.remove()
    for name in ("payment.succeeded", "refund.succeeded", "refund.failed"):
        events.subscribe(name, _record_event)
    holder["app"] = app
    yield PayEnv(app, platform_url, server, sp)
    server.app.extensions["kaidian_sandbox"].pay_notifier.stop()
    server.stop()
    stop_platform()


@pytest.fixture(scope="session")
def app(pay_env):
    return pay_env.app


@pytest.fixture
def sandbox(pay_env):
    """The sandbox reset (its WeChat Pay key is kept), faults cleared, the service provider registered."""
    from .helpers import PaySandbox

    driver = PaySandbox(pay_env.server.base_url)
    driver.reset()
    driver.register({"mchid": SP_MCHID, "name": "平台服务商", "private_key": pay_env.sp["private_key"],
                     "public_key": _public_of(pay_env.sp["private_key"]), "serial_no": pay_env.sp["serial_no"],
                     "apiv3_key": pay_env.sp["apiv3_key"]})
    RECORDED.clear()
    yield driver
    RECORDED.clear()


def _public_of(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro")


@pytest.fixture
def bravo(make_store):
    return make_store("bravo", plan="pro")


@pytest.fixture
def direct(app, sandbox, alpha):
    """alpha takes payment as a direct merchant registered in the sandbox; returns the merchant's keys."""
    from kaidian.payments import configuration

    merchant = sandbox.register({"name": "Alpha 小店"})
    with app.app_context(), tenant_context(alpha.tenant_id):
        configuration.save_settings({"mode": "direct", "appid": "wxalpha000000001", "mchid": merchant["mchid"],
                                     "cert_serial": merchant["serial_no"], "apiv3_key": merchant["apiv3_key"],
                                     "private_key": merchant["private_key"],
                                     "public_key_id": merchant["wechatpay_public_key_id"],
                                     "public_key": merchant["wechatpay_public_key"]})
        db.session.remove()
    return merchant


@pytest.fixture
def in_store(app):
    """``with in_store(store):`` — an app context with the store current."""
    from contextlib import contextmanager

    @contextmanager
    def enter(store):
        with app.app_context(), tenant_context(store.tenant_id):
            try:
                yield
            finally:
                db.session.remove()

    return enter
