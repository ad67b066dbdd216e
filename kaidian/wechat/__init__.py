"""WeChat Open Platform integration: message crypto, the component client and its token store, the
callback endpoints, acting for authorizers (authorization, menus, shopper OAuth)."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Register the WeChat blueprints, the periodic token refresh, the secret rotator and the admin entry."""
    from kaidian.customers import services as customers
    from kaidian.payments import services as payments
    from kaidian.platform import cli, console, sites
    from kaidian.platform.extensions import csrf

    from . import (  # noqa: F401,E501
        admin,
        api,
        callbacks,
        demo,
        events,
        mini_program_login,
        staff_messages,
        storefront,
        subscriptions,
        tasks,
        template_messages,
        tokens,
    )
    from . import console as wechat_console
    from .mini_program import bp as mini_program_bp

    csrf.exempt(callbacks.bp)
    csrf.exempt(mini_program_bp)  # the mini program sends no cookie
    sites.register(app, mini_program_bp, sites.PLATFORM)
    sites.register(app, callbacks.bp, sites.PLATFORM)
    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, wechat_console.bp, sites.PLATFORM)
    sites.register(app, admin.static_bp, sites.ANY)
    sites.register(app, storefront.bp, sites.STORE)
    customers.register_login_method("wechat", storefront.login_url_for)
    payments.register_mini_program("wechat", mini_program_login.payable_mini_program)
    sites.register_api(api.wechat_api, sites.PLATFORM)
    rotators = app.extensions.setdefault("kaidian_secret_rotators", [])
    if tokens.rotate_refresh_tokens not in rotators:
        rotators.append(tokens.rotate_refresh_tokens)
    events.register_event_handler("TEMPLATESENDJOBFINISH", template_messages.on_send_job_finish)
    subscriptions.subscribe_all()
    staff_messages.register()
    console.add_merchant_nav("wechat_admin.index", _l("WeChat"))
    console.add_nav("wechat_console.index", _l("WeChat"))
    cli.add_demo_seeder(app, 30, demo.seed_demo_store)
