"""The store as a WeChat mini program: setup, code commits, WeChat's review, release, and the platform's
template library and bulk upgrades — all through the WeChat package's client and token store, each WeChat
step an idempotent RQ job (``steps.py``, ``tasks.py``) with one retry policy (``policy.py``)."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.billing import services as billing
    from kaidian.platform import console, sites
    from kaidian.wechat import events

    from . import admin, audits, tasks  # noqa: F401  (tasks: periodic jobs)
    from . import console as mp_console

    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, mp_console.bp, sites.PLATFORM)
    sites.register(app, mp_console.static_bp, sites.ANY)
    for name in audits.EVENTS:
        events.register_event_handler(name, audits.on_audit_event)
    billing.declare_check("mini_program", "kaidian.miniprogram.services")
    console.add_merchant_nav("miniprogram_admin.index", _l("Mini program"))
    console.add_nav("miniprogram_console.index", _l("Mini programs"))
