"""``create_sandbox_app``: the WeChat Open Platform, WeChat Pay v3 and Alipay emulator as its own Flask app.

Point the platform's WeChat base URLs (API, mp, open) at ``PUBLIC_BASE`` and it talks to this app as it
would to WeChat. Creating the app has no side effects: no thread, no network, no file written until the
first request changes the state. ``start_ticket_pusher(app)`` (or ``python -m kaidian.sandbox``) starts the
periodic ticket push.
"""

from __future__ import annotations

import os

from flask import Flask

from kaidian.sandbox import (
    admin,
    alipay,
    aliyun_sms,
    api,
    express,
    faults,
    pages,
    pay,
    pay_notify,
    sms,
    tencent_sms,
    weapp_login,
    wxa_endpoints,
)
from kaidian.sandbox.accounts import add_demo_accounts
from kaidian.sandbox.config import load_config
from kaidian.sandbox.pusher import Pusher, start_ticket_pusher
from kaidian.sandbox.runtime import EXTENSION, Sandbox
from kaidian.sandbox.state import SandboxState

__all__ = ["create_sandbox_app", "start_ticket_pusher"]


def create_sandbox_app(config: dict | None = None) -> Flask:
    app = Flask("kaidian.sandbox", static_folder=None)
    settings = load_config(config)
    if not settings["SANDBOX_STATE_PATH"]:
        settings["SANDBOX_STATE_PATH"] = os.path.join(app.instance_path, "sandbox-state.json")
    app.config["SANDBOX"] = settings
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    seed = (lambda data: add_demo_accounts(data, settings["PORT"])) if settings["DEMO_ACCOUNTS"] else None
    state = SandboxState(settings["SANDBOX_STATE_PATH"], seed)
    app.extensions[EXTENSION] = Sandbox(settings, state, Pusher(settings, state),
                                        pay_notify.PayNotifier(settings, state))
    for module in (api, pages, admin, faults, express, pay, pay_notify, alipay, sms, tencent_sms, aliyun_sms,
                   weapp_login, wxa_endpoints):
        app.register_blueprint(module.bp)
    return app
