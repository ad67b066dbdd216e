"""The platform core: app factory, config, tenancy, accounts, jobs, i18n and operations.

It imports no domain package; domains register themselves through ``init_app(app)``.
"""
