"""The demo stores take WeChat Pay through the sandbox (``flask kaidian seed-demo``, run by ``make run``
after it starts the sandbox; development only): a store with no working payment settings gets a test
merchant from the sandbox (``configuration.use_sandbox_merchant``). Settings the sandbox still
accepts are kept, so running the seeder again changes nothing."""

from __future__ import annotations

import requests
from flask import current_app


def seed_demo_payments(tenant, store: dict, owner) -> str:
    from kaidian.platform.errors import AppError

    from . import configuration, services

    if not services.is_sandbox():
        return ""
    if not _sandbox_up():
        return "payments: the WeChat Pay sandbox is not running; run `make run` (or start it and seed again)"
    settings = configuration.store_settings()
    if settings is not None and settings.mchid and configuration.check_settings().ok:
        return f"payments: WeChat Pay sandbox merchant {settings.mchid} (kept)"
    try:
        settings = configuration.use_sandbox_merchant(store.get("name", tenant.name), actor=owner)
    except AppError as exc:
        return f"payments: no sandbox merchant ({exc.message})"
    return f"payments: WeChat Pay sandbox merchant {settings.mchid}"


def _sandbox_up() -> bool:
    """The sandbox answers (``make run`` waits for it before seeding)."""
    base = current_app.config["WECHATPAY_BASE_URL"].rstrip("/")
    try:
        requests.get(f"{base}/sandbox/state", timeout=2)
    except requests.RequestException:
        return False
    return True
