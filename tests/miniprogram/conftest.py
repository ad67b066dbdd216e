"""Fixtures for the mini-program tests: the platform served over HTTP on loopback (the sandbox pushes audit
events to it), the sandbox (audits decided only when a test asks), the platform's jobs going to RQ, and
real RQ workers (``worker.py`` in subprocesses, killed at the end of each test)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import update

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants
from kaidian.sandbox.testing import SandboxServer, run_wsgi_in_thread, start_sandbox
from tests import services
from tests.conftest import login, make_app
from tests.wechat.helpers import MINI_PROGRAM, Sandbox, authorize, english

ROOT = Path(__file__).resolve().parents[2]

# small waits so a test sees retries happen (the defaults are minutes and hours)
FAST = {"MINIPROGRAM_RETRY_SECONDS": "1", "MINIPROGRAM_QUOTA_WAIT_SECONDS": 1, "MINIPROGRAM_SCAN_WAIT_SECONDS": 1,
        "MINIPROGRAM_MAX_ATTEMPTS": 6, "MINIPROGRAM_LEASE_SECONDS": 35, "MINIPROGRAM_RECONCILE_AFTER": 0}


@dataclass
class Env:
    app: object
    platform_url: str
    server: SandboxServer


@pytest.fixture(scope="session")
def mp_env(backend, tmp_path_factory):
    if not backend.redis_url:
        assert not services.in_ci(), "CI=true guarantees Redis"
        pytest.skip("the mini-program tests run real RQ workers: Redis is not reachable")
    holder: dict = {}
    platform_url, stop_platform = run_wsgi_in_thread(lambda environ, start: holder["app"](environ, start))
    server = start_sandbox({
        "SANDBOX_STATE_PATH": str(tmp_path_factory.mktemp("mp-sandbox") / "state.json"),
        "PLATFORM_EVENT_URL": f"{platform_url}/wechat/component/events",
        "PLATFORM_MESSAGE_URL_TEMPLATE": f"{platform_url}/wechat/authorizers/$APPID$/events",
        "TEMPLATE_FINISH_DELAY": 0, "WXA_AUDIT_SECONDS": 0,
    })
    app = make_app(backend, tmp_path_factory.mktemp("mp-media"), WECHAT_API_BASE=server.base_url,
                   WECHAT_MP_BASE=server.base_url, WECHAT_OPEN_BASE=server.base_url, WECHAT_HTTP_TIMEOUT=10,
                   JOBS_INLINE=False, **FAST)
    with app.app_context():
        upgrade()
        db.session.remove()
    holder["app"] = app
    yield Env(app, platform_url, server)
    server.stop()
    stop_platform()


@pytest.fixture(scope="session")
def app(mp_env):
    return mp_env.app


@pytest.fixture
def sandbox(mp_env):
    driver = Sandbox(mp_env.server.base_url)
    driver.reset()
    driver.push_ticket()
    return driver


class Workers:
    """``worker.py`` processes, killed with their work horses."""

    def __init__(self, backend, env: Env, tmp_path) -> None:
        self.env = {**os.environ, "DATABASE_URL": backend.app_url, "REDIS_URL": backend.redis_url,
                    "MEDIA_ROOT": str(tmp_path), "LOG_JSON": "0", "PYTHONPATH": str(ROOT),
                    "WECHAT_API_BASE": env.server.base_url, "WECHAT_MP_BASE": env.server.base_url,
                    "WECHAT_OPEN_BASE": env.server.base_url, "PLATFORM_HOST": "localhost",
                    "STORE_DOMAIN": "localhost", **{key: str(value) for key, value in FAST.items()}}
        self.logs = tmp_path
        self.procs: list[subprocess.Popen] = []

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            log = open(self.logs / f"worker-{len(self.procs)}.log", "w")  # noqa: SIM115  (closed with the process)
            self.procs.append(subprocess.Popen([sys.executable, "worker.py", "high", "default", "low"], cwd=ROOT,
                                               env=self.env, stdout=log, stderr=subprocess.STDOUT))

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its work horse (RQ puts the horse in a session of its own)."""
        for pid in [*_children(proc.pid), proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            self.kill(proc)
        self.procs.clear()

    def output(self) -> str:
        return "\n".join(path.read_text()[-3000:] for path in sorted(self.logs.glob("worker-*.log")))


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc: the work horse of an RQ worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


@pytest.fixture
def workers(backend, mp_env, tmp_path):
    running = Workers(backend, mp_env, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def alpha(app, make_store):
    store = make_store("alpha", plan="pro")
    with app.app_context(), all_tenants():
        db.session.execute(update(Tenant).where(Tenant.id == store.tenant_id)
                           .values(contact_phone="13800138000", contact_email="alpha@example.com"))
        db.session.commit()
    return store


@pytest.fixture
def merchant(app, alpha):
    client = english(app.test_client())
    login(client, alpha.login)
    return client


@pytest.fixture
def platform_admin(app, make_admin):
    login_name, _user_id = make_admin()
    client = english(app.test_client())
    login(client, login_name)
    return client


@pytest.fixture
def authorized(sandbox, merchant):
    """alpha's mini program (the sandbox's 开店示范商城) authorized with every permission set."""
    response = authorize(merchant, MINI_PROGRAM, kind="mini_program")
    assert response.status_code in (200, 302)
    return MINI_PROGRAM
