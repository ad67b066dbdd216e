"""Sandbox settings: explicit mapping first, then the environment, then these defaults.

``PORT`` (the platform's port) and ``SANDBOX_PORT`` (this sandbox's) are enough for ``make run PORT=…``:
the push URLs and ``PUBLIC_BASE`` default to them unless set themselves.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, object] = {
    "COMPONENT_APPID": "wxsandboxcomponent01",
    "COMPONENT_SECRET": "sandbox-component-secret",
    "COMPONENT_TOKEN": "sandboxtoken",
    "COMPONENT_AES_KEY": "KaidianSandboxAesKey0123456789abcdefghijklm",
    "PORT": 5000,  # the platform's port: the push URLs' default
    "SANDBOX_HOST": "127.0.0.1",  # where ``python -m kaidian.sandbox`` listens
    "SANDBOX_PORT": 5100,
    "PLATFORM_EVENT_URL": "",  # empty: http://127.0.0.1:PORT/wechat/component/events
    "PLATFORM_MESSAGE_URL_TEMPLATE": "",  # empty: http://127.0.0.1:PORT/wechat/authorizers/$APPID$/events
    "SANDBOX_STATE_PATH": "",  # empty: <instance folder>/sandbox-state.json
    "DEMO_ACCOUNTS": 1,  # 1: the demo stores' official accounts are authorized, with menus (wechat/demo_accounts.py)
    "TICKET_PUSH_INTERVAL": 600,
    "TICKET_RETRY_DELAYS": "5,10,20,40,60",  # seconds between retries of an undelivered ticket (last repeats)
    "PUBLIC_BASE": "",  # empty: http://SANDBOX_HOST:SANDBOX_PORT
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
    "TEMPLATE_FINISH_DELAY": 2,  # seconds after a template message before its TEMPLATESENDJOBFINISH push (0: none)
    "EXPRESS_STEP_SECONDS": 600,  # a parcel's trace gains a step this often
    # WeChat Pay notifications: seconds between resends of an unanswered one (WeChat's 15 s/15 s/30 s/3 m/
    # 10 m/20 m/30 m×3/1 h/3 h×3/6 h×2 schedule, 60 times faster); how long a refund stays PROCESSING.
    "PAY_NOTIFY_RETRY_DELAYS": "0.25,0.25,0.5,3,10,20,30,30,30,60,180,180,180,360,360",
    "PAY_REFUND_DELAY": "1",
    # Mini-program review (wxa_audit.py): seconds until an audit is decided by the rules (0: only by hand,
    # POST /sandbox/wxa/decide); withdrawals allowed a day / a month (WeChat: 5 / 10).
    "WXA_AUDIT_SECONDS": 5,
    "WXA_UNDO_PER_DAY": 5,
    "WXA_UNDO_PER_MONTH": 10,
    # The component's server and business (web-view) domains: an authorizer may only use these or subdomains.
    "WXA_SERVER_DOMAINS": "localhost,127.0.0.1,kaidian.local",
    "WXA_WEBVIEW_DOMAINS": "localhost,kaidian.local",
    # Tencent Cloud SMS (tencent_sms.py): the one API key it accepts, the SMS app, the approved signature and
    # the approved templates (a JSON object: template id -> body with {1}, {2}… variables).
    "TENCENT_SMS_SECRET_ID": "AKIDsandboxKaidianSms",
    "TENCENT_SMS_SECRET_KEY": "sandbox-tencent-sms-secret-key",
    "TENCENT_SMS_APP_ID": "1400000001",
    "TENCENT_SMS_SIGN_NAME": "开店",
    "TENCENT_SMS_TEMPLATES": '{"1000001": "您的登录验证码为{1},{2}分钟内有效,请勿泄露。", '
                             '"1000002": "您的店铺有新消息:{1}。详情请登录开店商家后台查看。"}',
    "TENCENT_SMS_CODE_TEMPLATES": "1000001",  # verification-code templates: {1} must be at most 6 digits
    # Alibaba Cloud SMS (aliyun_sms.py): the one AccessKey it accepts, the approved signature and the approved
    # templates (a JSON object: template code -> body with ${name} variables).
    "ALIYUN_SMS_ACCESS_KEY_ID": "LTAIsandboxKaidianSms",
    "ALIYUN_SMS_ACCESS_KEY_SECRET": "sandbox-aliyun-sms-access-key-secret",
    "ALIYUN_SMS_SIGN_NAME": "开店",
    "ALIYUN_SMS_TEMPLATES": '{"SMS_100000001": "您的登录验证码为${code},${minutes}分钟内有效,请勿泄露。", '
                            '"SMS_100000002": "您的店铺有新消息:${topic}。详情请登录开店商家后台查看。"}',
    "ALIYUN_SMS_CODE_TEMPLATES": "SMS_100000001",  # verification-code templates: ${code} must be digits
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
    platform = f"http://127.0.0.1:{merged['PORT']}"
    merged["PLATFORM_EVENT_URL"] = merged["PLATFORM_EVENT_URL"] or f"{platform}/wechat/component/events"
    merged["PLATFORM_MESSAGE_URL_TEMPLATE"] = (merged["PLATFORM_MESSAGE_URL_TEMPLATE"]
                                               or f"{platform}/wechat/authorizers/$APPID$/events")
    public_base = merged["PUBLIC_BASE"] or f"http://{merged['SANDBOX_HOST']}:{merged['SANDBOX_PORT']}"
    merged["PUBLIC_BASE"] = str(public_base).rstrip("/")
    return merged
