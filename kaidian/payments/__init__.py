"""Payments: a provider registry (WeChat Pay v3 in direct-merchant and service-provider modes; JSAPI,
Native, H5), the merchant's payment settings, notifications, refunds and the reconcile job. Used by
orders (and later billing) through ``services``; outcomes are domain events."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Register the notification endpoints, the settings page, the jobs and the secret rotator."""
    from kaidian.platform import cli, console, sites
    from kaidian.platform.extensions import csrf

    from . import admin, demo, notify, tasks  # noqa: F401  (tasks registers its periodic jobs)

    cli.add_demo_seeder(app, 40, demo.seed_demo_payments)  # demo stores pay through the sandbox
    csrf.exempt(notify.bp)
    sites.register(app, notify.bp, sites.PLATFORM)
    sites.register(app, admin.bp, sites.PLATFORM)
    rotators = app.extensions.setdefault("kaidian_secret_rotators", [])
    if tasks.rotate_payment_secrets not in rotators:
        rotators.append(tasks.rotate_payment_secrets)
    console.add_merchant_nav("payments_admin.index", _l("Payments"))
