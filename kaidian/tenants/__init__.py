"""The tenant (store) and its lifecycle: signup, profile, qualifications, staff, domains."""

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    from kaidian.billing import services as billing
    from kaidian.platform import console, sites
    from kaidian.platform.cli import kaidian_cli

    from . import admin, api, cli, signup, staff, storefront, tasks  # noqa: F401 - periodic jobs register
    from . import console as tenant_console

    billing.register_usage("staff", staff.count)
    sites.register(app, signup.bp, sites.PLATFORM)
    sites.register(app, admin.bp, sites.PLATFORM)
    sites.register(app, tenant_console.bp, sites.PLATFORM)
    sites.register(app, storefront.bp, sites.STORE)
    sites.register_api(api.store_api, sites.PLATFORM)
    sites.register_api(api.platform_api, sites.PLATFORM)
    app.extensions.setdefault("kaidian_store_home", storefront.home)
    console.add_entry_point("signup", "signup.signup")
    console.add_entry_point("store_admin", "merchant.dashboard")
    console.add_nav("console_tenants.tenants", _l("Stores"))
    console.add_nav("console_tenants.review_queue", _l("Licence review"))
    kaidian_cli.add_command(cli.seed_demo)
