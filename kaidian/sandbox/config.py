"""Sandbox settings: explicit mapping first, then the environment, then these defaults."""

from __future__ import annotations

import os

DEFAULTS: dict[str, object] = {
    "COMPONENT_APPID": "wxsandboxcomponent01",
    "COMPONENT_SECRET": "sandbox-component-secret",
    "COMPONENT_TOKEN": "sandboxtoken",
    "COMPONENT_AES_KEY": "KaidianSandboxAesKey0123456789abcdefghijklm",
    "PLATFORM_EVENT_URL": "http://127.0.0.1:5000/wechat/component/events",
    "PLATFORM_MESSAGE_URL_TEMPLATE": "http://127.0.0.1:5000/wechat/authorizers/$APPID$/events",
    "SANDBOX_STATE_PATH": "",  # empty: <instance folder>/sandbox-state.json
    "TICKET_PUSH_INTERVAL": 600,
    "PUBLIC_BASE": "http://127.0.0.1:5100",
    "TOKEN_TTL": 7200,
    "TOKEN_GRACE_SECONDS": 300,  # an older access token stays valid this long after a new one is issued
    "PRE_AUTH_CODE_TTL": 1800,
    "AUTH_CODE_TTL": 600,
    "OAUTH_CODE_TTL": 300,
    "PUSH_TIMEOUT": 5,
    "TICKET_TTL": 43200,  # a component_verify_ticket stays valid 12 hours, whatever was pushed since
    # Hosts a shopper OAuth redirect_uri may use (the component's web-authorization domain; subdomains
    # count too). Each authorizer may add its own through POST /sandbox/web_domains.
    "OAUTH_REDIRECT_DOMAINS": "localhost,127.0.0.1",
    "RELEASE_CHECK_TIMEOUT": 5,  # seconds the full-release checks wait for the platform's API reply
}

_INT_KEYS = {key for key, value in DEFAULTS.items() if isinstance(value, int)}


def load_config(config: dict | None = None, environ: dict | None = None) -> dict:
    """Merge defaults, environment variables of the same name, and ``config`` (highest priority)."""
    environ = os.environ if environ is None else environ
    merged = dict(DEFAULTS)
    for key in DEFAULTS:
        if environ.get(key):
            merged[key] = environ[key]
    merged.update(config or {})
    for key in _INT_KEYS:
        merged[key] = int(merged[key])
    merged["PUBLIC_BASE"] = str(merged["PUBLIC_BASE"]).rstrip("/")
    return merged
