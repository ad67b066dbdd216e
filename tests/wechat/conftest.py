"""Fixtures for the WeChat tests: the platform served over HTTP on loopback (so the sandbox can push to
it), the sandbox started over HTTP with its pushes pointed at that server, and the platform's WeChat
base URLs pointed at the sandbox. The ``app`` fixture is overridden here to be that served app."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask_migrate import upgrade

from kaidian.platform.extensions import db
from kaidian.sandbox.testing import SandboxServer, run_wsgi_in_thread, start_sandbox
from tests.conftest import login, make_app

from .helpers import Sandbox, english


@dataclass
class WeChatEnv:
    app: object
    platform_url: str
    server: SandboxServer


@pytest.fixture(scope="session")
def wechat_env(backend, tmp_path_factory):
    holder: dict = {}
    platform_url, stop_platform = run_wsgi_in_thread(lambda environ, start: holder["app"](environ, start))
    server = start_sandbox({
        "SANDBOX_STATE_PATH": str(tmp_path_factory.mktemp("sandbox") / "state.json"),
        "PLATFORM_EVENT_URL": f"{platform_url}/wechat/component/events",
        "PLATFORM_MESSAGE_URL_TEMPLATE": f"{platform_url}/wechat/authorizers/$APPID$/events",
        "TEMPLATE_FINISH_DELAY": 0,  # delivery reports are pushed by the tests (POST /sandbox/template/finish)
    })
    app = make_app(backend, tmp_path_factory.mktemp("media"), WECHAT_API_BASE=server.base_url,
                   WECHAT_MP_BASE=server.base_url, WECHAT_OPEN_BASE=server.base_url, WECHAT_HTTP_TIMEOUT=10,
                   SHIPPING_TRACE_BASE=server.base_url)
    with app.app_context():
        upgrade()
        db.session.remove()
    holder["app"] = app
    yield WeChatEnv(app, platform_url, server)
    server.stop()
    stop_platform()


@pytest.fixture(scope="session")
def app(wechat_env):
    return wechat_env.app


@pytest.fixture
def sandbox(wechat_env):
    """The sandbox, reset (state and faults), with a ticket already pushed to and stored by the platform."""
    driver = Sandbox(wechat_env.server.base_url)
    driver.reset()
    driver.push_ticket()
    return driver


@pytest.fixture
def alpha(make_store):
    return make_store("alpha", plan="pro")


@pytest.fixture
def bravo(make_store):
    return make_store("bravo", plan="pro")


@pytest.fixture
def merchant(app, alpha):
    """A test client logged in as alpha's owner, reading the English pages."""
    client = english(app.test_client())
    login(client, alpha.login)
    return client
