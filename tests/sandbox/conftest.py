"""Fixtures for the sandbox: the app on a tmp state file, a push receiver on a loopback port, and a
``wechat`` helper that walks the component flow the way the platform will."""

import pytest
from sandbox_helpers import COMPONENT_APPID, WeChatFlow, sandbox_config

from kaidian.sandbox.app import create_sandbox_app
from kaidian.sandbox.config import DEFAULTS
from kaidian.sandbox.testing import PushReceiver, run_wsgi_in_thread
from kaidian.wechat.crypto import MessageCrypto


@pytest.fixture
def receiver():
    crypto = MessageCrypto(DEFAULTS["COMPONENT_TOKEN"], [DEFAULTS["COMPONENT_AES_KEY"]], COMPONENT_APPID)
    push_receiver = PushReceiver(crypto)
    base_url, stop = run_wsgi_in_thread(push_receiver)
    push_receiver.base_url = base_url
    yield push_receiver
    stop()


@pytest.fixture
def state_path(tmp_path):
    return tmp_path / "sandbox-state.json"


@pytest.fixture
def sandbox_app(state_path, receiver):
    return create_sandbox_app(sandbox_config(state_path, receiver.base_url))


@pytest.fixture
def sandbox_client(sandbox_app):
    return sandbox_app.test_client()


@pytest.fixture
def wechat(sandbox_client):
    return WeChatFlow(sandbox_client)


@pytest.fixture(autouse=True)
def _clean_state():
    """The sandbox tests use no database: the suite-wide cleanup (tests/conftest.py) has nothing to do here."""
    yield
