"""Configuration from environment variables, with safe development defaults.

Every setting is listed once in ``SETTINGS`` (name, default, parser) so README's table and the
code cannot drift apart.

``KAIDIAN_ENV`` says where the app runs: ``development`` (the default, what ``make run`` and a bare
``flask`` command get), ``test`` or ``production`` (set by the Docker image and the Helm chart).
In production ``refuse_unsafe`` stops the web app, the worker and the scheduler at start-up when a
secret is one of the public defaults in this file, or malformed (``SECRET_CHECKS``).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from datetime import timedelta
from pathlib import Path

from . import uploads

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"


def _bool(value: str) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str) -> int:
    return int(value)


def _str(value: str) -> str:
    return value


def _platform_host(environ) -> str:
    return f"localhost:{environ.get('PORT') or 5000}"


def _sandbox_base(environ) -> str:
    return f"http://127.0.0.1:{environ.get('SANDBOX_PORT') or 5100}"


def _alipay_gateway(environ) -> str:
    """Alipay's gateway in production, the sandbox's anywhere else."""
    if environ.get("KAIDIAN_ENV") == "production":
        return "https://openapi.alipay.com/gateway.do"
    return _sandbox_base(environ) + "/gateway.do"


def _alipay_auth_url(environ) -> str:
    """Alipay's third-party app authorization page in production, the sandbox's anywhere else."""
    if environ.get("KAIDIAN_ENV") == "production":
        return "https://openauth.alipay.com/oauth2/appToAppAuth.htm"
    return _sandbox_base(environ) + "/oauth2/appToAppAuth.htm"


def _wechatpay_base(environ) -> str:
    """WeChat Pay's API host in production, the sandbox anywhere else."""
    if environ.get("KAIDIAN_ENV") == "production":
        return "https://api.mch.weixin.qq.com"
    return _sandbox_base(environ)


# OWASP's minimum for Argon2id (19 MiB, 2 iterations, 1 lane): cheaper hashing is refused unless TESTING.
PASSWORD_HASH_FLOOR = {"PASSWORD_HASH_TIME_COST": 2, "PASSWORD_HASH_MEMORY_KIB": 19456, "PASSWORD_HASH_PARALLELISM": 1}

DEV_SECRET = "dev-only-secret-change-me"
DEV_DATA_KEY = "ZGV2LW9ubHktZGF0YS1rZXktY2hhbmdlLW1lLTMyYnk="  # Fernet key for development only

DEV_COMPONENT_SECRET = "sandbox-component-secret"
DEV_COMPONENT_TOKEN = "sandboxtoken"
DEV_COMPONENT_AES_KEY = "KaidianSandboxAesKey0123456789abcdefghijklm"
SANDBOX_SMS_SECRET_KEY = "sandbox-tencent-sms-secret-key"  # the sandbox's Tencent Cloud SMS key (public)
SANDBOX_ALIYUN_SMS_SECRET = "sandbox-aliyun-sms-access-key-secret"  # the sandbox's Alibaba Cloud SMS key (public)
ENVIRONMENTS = ("development", "test", "production")

# A default is a string, or a function of the environment (so one PORT / SANDBOX_PORT is enough).
SETTINGS: dict[str, tuple[object, object]] = {
    "KAIDIAN_ENV": ("development", _str),
    "SECRET_KEY": (DEV_SECRET, _str),
    "DATABASE_URL": (f"sqlite:///{INSTANCE / 'kaidian.db'}", _str),
    "MIGRATION_DATABASE_URL": ("", _str),
    "DB_APP_ROLE": ("", _str),
    "REDIS_URL": ("", _str),
    "PORT": ("5000", _int),  # the port `make run` serves on; the default PLATFORM_HOST follows it
    "SANDBOX_PORT": ("5100", _int),  # the WeChat sandbox's port; the default WeChat base URLs follow it
    "PLATFORM_HOST": (_platform_host, _str),
    "STORE_DOMAIN": ("localhost", _str),
    "PREFERRED_URL_SCHEME": ("http", _str),
    "DATA_KEY": (DEV_DATA_KEY, _str),
    "MEDIA_ROOT": (str(INSTANCE / "media"), _str),
    "S3_BUCKET": ("", _str),
    "S3_ENDPOINT_URL": ("", _str),
    "S3_PUBLIC_URL": ("", _str),
    "MAIL_SERVER": ("", _str),
    "MAIL_PORT": ("25", _int),
    "MAIL_FROM": ("noreply@kaidian.local", _str),
    "RATELIMIT_AUTH": ("10 per minute", _str),
    "RATELIMIT_SMS": ("20 per hour", _str),  # login codes a shopper's IP may ask for (per number: 1/min, 10/day)
    # how text messages go out: "log" (development: the log), "sandbox" (the sandbox's inbox), "tencent", "aliyun"
    "SMS_SENDER": ("log", _str),
    "SMS_SANDBOX_BASE": (_sandbox_base, _str),
    # A real provider ("tencent": customers/sms_tencent.py, "aliyun": sms_aliyun.py) sends approved templates,
    # not free text: the approved signature (签名) and one approved template per kind of message (customers/sms.py).
    "SMS_APP_ID": ("", _str),  # Tencent Cloud only: the SmsSdkAppId (1400…)
    "SMS_SIGN_NAME": ("", _str),  # the approved signature, without 【】
    "SMS_TEMPLATE_LOGIN_CODE": ("", _str),  # {1}/${code} the 6-digit code, {2}/${minutes} minutes it lives
    "SMS_TEMPLATE_STAFF_NOTICE": ("", _str),  # {1}/${topic} a topic of at most 6 characters
    "SMS_TENCENT_SECRET_ID": ("", _str),  # a CAM key allowed sms:SendSms (secret: from the environment only)
    "SMS_TENCENT_SECRET_KEY": ("", _str),
    "SMS_TENCENT_REGION": ("ap-guangzhou", _str),
    # host of Tencent Cloud's SMS API; "http://127.0.0.1:5100" points the SDK at the sandbox (tests)
    "SMS_TENCENT_ENDPOINT": ("sms.tencentcloudapi.com", _str),
    # "aliyun" (customers/sms_aliyun.py): a RAM key allowed dysms:SendSms (secret: from the environment only)
    "SMS_ALIYUN_ACCESS_KEY_ID": ("", _str),
    "SMS_ALIYUN_ACCESS_KEY_SECRET": ("", _str),
    # host of Alibaba Cloud's SMS API; "http://127.0.0.1:5100" points the SDK at the sandbox (tests)
    "SMS_ALIYUN_ENDPOINT": ("dysmsapi.aliyuncs.com", _str),
    "SMS_HTTP_TIMEOUT": ("10", _int),  # seconds per call to the SMS provider
    "MAX_UPLOAD_BYTES": (str(8 * 1024 * 1024), _int),
    "MAX_REQUEST_BYTES": ("0", _int),  # 0: 16 × MAX_UPLOAD_BYTES + 1 MiB (a product form full of images)
    "TRIAL_DAYS": ("7", _int),
    "BILLING_GRACE_DAYS": ("7", _int),  # after the paid time ends: a banner, the store still open
    "HOST_CACHE_SECONDS": ("5", _int),
    # how custom domains' TXT records are looked up: "system" (real DNS) or "fixtures:PATH" (a JSON file)
    "DNS_RESOLVER": ("fixtures:instance/dns-fixtures.json", _str),
    # Argon2id cost of new password hashes (argon2-cffi's defaults). Below PASSWORD_HASH_FLOOR only with TESTING.
    "PASSWORD_HASH_TIME_COST": ("3", _int),
    "PASSWORD_HASH_MEMORY_KIB": ("65536", _int),
    "PASSWORD_HASH_PARALLELISM": ("4", _int),
    "LOG_JSON": ("1", _bool),
    "SESSION_COOKIE_SECURE": ("0", _bool),
    # WeChat Open Platform (component). Development defaults talk to the sandbox on SANDBOX_PORT with its credentials.
    "WECHAT_COMPONENT_APPID": ("wxsandboxcomponent01", _str),
    "WECHAT_COMPONENT_SECRET": (DEV_COMPONENT_SECRET, _str),
    "WECHAT_COMPONENT_TOKEN": (DEV_COMPONENT_TOKEN, _str),
    "WECHAT_COMPONENT_AES_KEY": (DEV_COMPONENT_AES_KEY, _str),
    "WECHAT_COMPONENT_AES_KEY_PREVIOUS": ("", _str),  # the key before a rotation, still accepted
    "WECHAT_API_BASE": (_sandbox_base, _str),  # https://api.weixin.qq.com
    "WECHAT_MP_BASE": (_sandbox_base, _str),  # https://mp.weixin.qq.com
    "WECHAT_OPEN_BASE": (_sandbox_base, _str),  # https://open.weixin.qq.com
    "WECHAT_HTTP_TIMEOUT": ("10", _int),  # seconds per call to WeChat
    "WECHAT_MAX_PUSH_BYTES": (str(64 * 1024), _int),  # larger pushes are refused with 413
    # parcel tracking (platform/shipping_trace.py): "sandbox" (the sandbox's trace at SHIPPING_TRACE_BASE) or "none"
    "SHIPPING_TRACE_PROVIDER": ("sandbox", _str),
    "SHIPPING_TRACE_BASE": (_sandbox_base, _str),
    "NOTIFY_CHANNELS": ("email,sms,wechat", _str),  # how staff notifications leave the admin (notifications)
    # WeChat Pay v3 (kaidian/payments). The sandbox outside production.
    # Mini programs (kaidian/miniprogram): retry and wait times of its WeChat steps (policy.py), how long a
    # running step holds its row (a killed worker's step is taken up again after it), when an audit with no
    # event is polled, the bulk upgrade's call budget per minute, the server domains set on each mini program.
    "MINIPROGRAM_RETRY_SECONDS": ("5,30,120,600", _str),
    "MINIPROGRAM_MAX_ATTEMPTS": ("6", _int),
    "MINIPROGRAM_QUOTA_WAIT_SECONDS": ("3600", _int),
    "MINIPROGRAM_SCAN_WAIT_SECONDS": ("60", _int),
    "MINIPROGRAM_LEASE_SECONDS": ("300", _int),
    "MINIPROGRAM_RECONCILE_AFTER": ("1800", _int),
    "MINIPROGRAM_CALLS_PER_MINUTE": ("3000", _int),
    "MINIPROGRAM_SERVER_DOMAINS": ("", _str),  # empty: https://PLATFORM_HOST (and wss:// for sockets)
    "WECHATPAY_BASE_URL": (_wechatpay_base, _str),  # https://api.mch.weixin.qq.com
    "WECHATPAY_NOTIFY_BASE": ("", _str),  # empty: notify_url on PLATFORM_HOST (must be public HTTPS in production)
    "WECHATPAY_HTTP_TIMEOUT": ("10", _int),
    "WECHATPAY_MAX_NOTIFY_BYTES": (str(64 * 1024), _int),
    # The platform as a WeChat Pay service provider (partner mode); all empty: partner mode unavailable.
    "WECHATPAY_SP_MCHID": ("", _str),
    "WECHATPAY_SP_APPID": ("", _str),
    "WECHATPAY_SP_APIV3_KEY": ("", _str),
    "WECHATPAY_SP_PRIVATE_KEY": ("", _str),
    "WECHATPAY_SP_CERT_SERIAL": ("", _str),
    "WECHATPAY_SP_PUBLIC_KEY": ("", _str),
    "WECHATPAY_SP_PUBLIC_KEY_ID": ("", _str),
    # The platform's own merchant account (what stores pay Kaidian for their plan, purpose "subscription").
    # All empty: against the sandbox a test merchant is registered on first use; elsewhere unavailable.
    "WECHATPAY_PLATFORM_MCHID": ("", _str),
    "WECHATPAY_PLATFORM_APPID": ("", _str),
    "WECHATPAY_PLATFORM_APIV3_KEY": ("", _str),
    "WECHATPAY_PLATFORM_PRIVATE_KEY": ("", _str),
    "WECHATPAY_PLATFORM_CERT_SERIAL": ("", _str),
    "WECHATPAY_PLATFORM_PUBLIC_KEY": ("", _str),
    "WECHATPAY_PLATFORM_PUBLIC_KEY_ID": ("", _str),
    "ALIPAY_GATEWAY_URL": (_alipay_gateway, _str),  # https://openapi.alipay.com/gateway.do
    # The platform's Alipay third-party app (partner mode: stores authorize it, 第三方应用授权); an empty
    # app id: partner mode not offered. The private key and Alipay's public key are PEM text.
    "ALIPAY_PLATFORM_APP_ID": ("", _str),
    "ALIPAY_PLATFORM_PRIVATE_KEY": ("", _str),
    "ALIPAY_PLATFORM_PUBLIC_KEY": ("", _str),
    "ALIPAY_AUTH_URL": (_alipay_auth_url, _str),  # https://openauth.alipay.com/oauth2/appToAppAuth.htm
    "PAYMENTS_RECONCILE_AFTER_MINUTES": ("5", _int),  # the reconcile job asks about payments older than this
}


class DefaultConfig:
    """Values that are not read from the environment."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "kaidian" / "translations")
    WTF_CSRF_TIME_LIMIT = None
    API_TITLE = "Kaidian API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # "Remember me": 14 days (sessions.REMEMBER_DAYS), HttpOnly, SameSite=Lax, Secure with the session cookie.
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_REFRESH_EACH_REQUEST = False
    JOBS_INLINE = False  # True: run jobs inline even when Redis is configured (tests)
    TESTING = False


def from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Read every setting from ``environ`` (default: os.environ), falling back to its default."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name, default(environ) if callable(default) else default)
        values[name] = parse(raw)
    return values


def apply(app, config: dict | None) -> None:
    """Load defaults, then the environment, then the explicit mapping given to create_app."""
    app.config.from_object(DefaultConfig)
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(app.config["DATABASE_URL"])
    app.config["MAX_CONTENT_LENGTH"] = uploads.max_request_bytes(app.config)
    app.config["SERVER_NAME"] = None
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _check_password_hashing(app.config)
    refuse_unsafe(app.config)


# --- production refuses public or malformed secrets -------------------------------------------


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the message names every offending variable."""


def environment(config) -> str:
    env = str(config.get("KAIDIAN_ENV") or "development").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"KAIDIAN_ENV must be one of {', '.join(ENVIRONMENTS)} (got {env!r})")
    return env


def is_production(config) -> bool:
    return environment(config) == "production"


def _secret_key_problem(value: str) -> str | None:
    if value == DEV_SECRET or len(value) < 32:
        return "is the development default or shorter than 32 characters"
    return None


def _data_key_problem(value: str) -> str | None:
    from cryptography.fernet import Fernet

    keys = [k.strip() for k in value.split(",") if k.strip()]
    if not keys or DEV_DATA_KEY in keys:
        return "is the development default (or empty)"
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, binascii.Error):
            return "is not a list of Fernet keys (32 url-safe base64-encoded bytes each)"
    return None


def _aes_key_problem(value: str, required: bool = True) -> str | None:
    if not value and not required:
        return None
    if value == DEV_COMPONENT_AES_KEY:
        return "is the sandbox's public default"
    if not re.fullmatch(r"[A-Za-z0-9+/]{43}", value or ""):
        return "must be an EncodingAESKey: 43 characters of base64"
    try:
        if len(base64.b64decode(value + "=", validate=True)) != 32:
            return "must decode to 32 bytes"
    except binascii.Error:
        return "must be an EncodingAESKey: 43 characters of base64"
    return None


def _component_token_problem(value: str) -> str | None:
    if value == DEV_COMPONENT_TOKEN:
        return "is the sandbox's public default"
    if not re.fullmatch(r"[A-Za-z0-9]{3,32}", value or ""):
        return "must be 3-32 letters or digits (as WeChat's Open Platform accepts)"
    return None


def _component_secret_problem(value: str) -> str | None:
    return "is the sandbox's public default (or empty)" if not value or value == DEV_COMPONENT_SECRET else None


def _apiv3_key_problem(value: str) -> str | None:
    return "must be empty or WeChat Pay's 32-character APIv3 key" if value and len(value.encode()) != 32 else None


# name -> check returning why the value is unsafe, or None. Add here any new secret with a default.
SECRET_CHECKS = {
    "SECRET_KEY": _secret_key_problem,
    "DATA_KEY": _data_key_problem,
    "WECHAT_COMPONENT_SECRET": _component_secret_problem,
    "WECHAT_COMPONENT_TOKEN": _component_token_problem,
    "WECHAT_COMPONENT_AES_KEY": _aes_key_problem,
    "WECHAT_COMPONENT_AES_KEY_PREVIOUS": lambda value: _aes_key_problem(value, required=False),
    "WECHATPAY_SP_APIV3_KEY": _apiv3_key_problem,
    "SMS_TENCENT_SECRET_KEY": lambda value: "is the sandbox's public key" if value == SANDBOX_SMS_SECRET_KEY else None,
    "SMS_ALIYUN_ACCESS_KEY_SECRET": lambda value: (
        "is the sandbox's public key" if value == SANDBOX_ALIYUN_SMS_SECRET else None
    ),
}


def unsafe_settings(config) -> list[str]:
    """One line per unsafe setting for production (empty when all is well)."""
    problems = [f"{name} {problem}" for name, check in SECRET_CHECKS.items()
                if (problem := check(str(config.get(name) or "")))]
    if config.get("DEBUG"):
        problems.append("FLASK_DEBUG is on: the Werkzeug debugger must never run in production")
    return problems


def refuse_unsafe(config) -> None:
    """Raise ``ConfigError`` naming each unsafe setting when running in production. Nothing else."""
    if not is_production(config):
        return
    problems = unsafe_settings(config)
    if problems:
        raise ConfigError("refusing to start in production (KAIDIAN_ENV=production): " + "; ".join(problems))


def _check_password_hashing(values) -> None:
    """Cheap password hashes are for the test suite only: anywhere else a cost below the floor stops start-up."""
    if values.get("TESTING"):
        return
    weak = [name for name, floor in PASSWORD_HASH_FLOOR.items() if values[name] < floor]
    if weak:
        raise RuntimeError(f"password hashing below the safe minimum outside tests: {', '.join(weak)}")


def _sqlalchemy_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
