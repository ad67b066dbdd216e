"""Fixtures for the customers tests: two stores, and an app whose SMS go to the sandbox's inbox."""

from __future__ import annotations

import re

import pytest
import requests
from flask_migrate import upgrade

from kaidian.sandbox.testing import start_sandbox
from tests.conftest import make_app


@pytest.fixture(scope="session")
def sms_sandbox(tmp_path_factory):
    server = start_sandbox({"SANDBOX_STATE_PATH": str(tmp_path_factory.mktemp("sms-sandbox") / "state.json")})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory, sms_sandbox):
    app = make_app(backend, tmp_path_factory.mktemp("media"), SMS_SENDER="sandbox",
                   SMS_SANDBOX_BASE=sms_sandbox.base_url)
    if backend.kind != "postgresql":
        with app.app_context():
            upgrade()
    return app


class Inbox:
    def __init__(self, base_url: str):
        self.base_url = base_url
        requests.post(f"{base_url}/sandbox/reset", timeout=5).raise_for_status()

    def messages(self, mobile: str) -> list[dict]:
        response = requests.get(f"{self.base_url}/sandbox/sms/inbox", params={"mobile": mobile}, timeout=5)
        return response.json()["messages"]

    def last_code(self, mobile: str) -> str:
        return re.search(r"(?<!\d)(\d{6})(?!\d)", self.messages(mobile)[-1]["text"]).group(1)


@pytest.fixture
def inbox(sms_sandbox):
    return Inbox(sms_sandbox.base_url)


@pytest.fixture
def alpha(make_store):
    return make_store("alpha")


@pytest.fixture
def bravo(make_store):
    return make_store("bravo")
