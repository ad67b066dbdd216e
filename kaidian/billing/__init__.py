"""Plans and their limits, subscriptions, platform invoices, enforcement."""


def init_app(app) -> None:
    from . import services

    app.jinja_env.globals.update(plan_of=services.plan_of, all_plans=services.all_plans)
