"""The application factory. No side effects: no network, no migrations, no prompts."""

from __future__ import annotations

import importlib

from flask import Flask

from . import (
    assets,
    auth,
    compression,
    config,
    errors,
    i18n,
    input_guards,
    money,
    observability,
    sites,
    tenancy,
    uploads,
)
from . import jobs as jobs_module
from .extensions import api, babel, csrf, db, limiter, migrate

# Domain packages, each with ``init_app(app)``; the platform knows them only by name.
DOMAIN_PACKAGES = (
    "kaidian.billing",
    "kaidian.tenants",
    "kaidian.customers",
    "kaidian.wechat",
    "kaidian.miniprogram",
    "kaidian.catalog",
    "kaidian.themes",
    "kaidian.builder",
    "kaidian.payments",
    "kaidian.orders",
    "kaidian.notifications",
)


def create_app(config_mapping: dict | None = None) -> Flask:
    app = Flask("kaidian", instance_relative_config=False, static_folder=None)
    app.request_class = uploads.KaidianRequest
    config.apply(app, config_mapping)
    input_guards.install_converters(app)
    _init_extensions(app)
    observability.init_app(app)
    assets.init_app(app)
    sites.init_app(app)
    input_guards.init_app(app)
    auth.init_app(app)
    money.init_app(app)
    _register_platform(app)
    for name in DOMAIN_PACKAGES:
        importlib.import_module(name).init_app(app)
    errors.init_app(app)
    compression.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale)
    app.add_template_filter(i18n.shown, "shown")  # a message kept in a row, in the reader's language
    csrf.init_app(app)
    limiter.init_app(app)
    api.ERROR_SCHEMA = errors.ErrorSchema  # every operation's default (and 422) response documents the one shape
    api.init_app(app, spec_kwargs={"info": {"description": "Kaidian JSON API"}})
    tenancy.install_session_hooks()
    jobs_module.install_hooks()


def _register_platform(app: Flask) -> None:
    from . import api as platform_api
    from . import cli, console, tasks, views  # noqa: F401 - tasks registers its periodic jobs

    sites.register(app, views.bp, sites.ANY)  # the home page, language switch and media serve both sites
    sites.serve_only_on(sites.PLATFORM, *views.PLATFORM_ONLY)
    sites.register(app, views.static_bp, sites.ANY)
    sites.register(app, console.bp, sites.PLATFORM)
    platform_api.register(app)
    cli.init_app(app)
    app.jinja_env.globals.update(views.template_globals())
