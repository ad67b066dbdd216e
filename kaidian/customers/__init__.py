"""Shoppers ("customers") of a store: the customer and their profile, the shopper session, the ways to
log in (registered by the domains that provide them, e.g. WeChat OAuth), the member page.
Public API: ``customers.models.Customer`` and ``customers.services`` (see its docstring)."""


def init_app(app) -> None:
    from kaidian.notifications import channels
    from kaidian.platform import auth, sites
    from kaidian.platform.extensions import csrf
    from kaidian.themes import page_kinds

    from . import app_api, app_sessions, sms, sms_aliyun, sms_tencent, views  # noqa: F401 - the providers register

    sms.check_config(app.config)  # a real SMS provider without its settings stops start-up, naming them
    channels.register_channel("sms", sms.staff_channel)  # staff notifications' SMS go through these senders

    sites.register(app, views.bp, sites.STORE)
    csrf.exempt(app_api.api_bp)  # bearer tokens, never cookies
    auth.register_other_bearer_prefix(app_sessions.TOKEN_PREFIX + ".")  # not a staff API token
    sites.register(app, app_api.api_bp, sites.PLATFORM)
    sites.register(app, app_api.handoff_bp, sites.STORE)
    sites.register(app, views.static_bp, sites.STORE)
    page_kinds.register(app, views.MEMBER)  # /member, the logged-in shopper's page (private)
