"""``flask kaidian seed-demo``: a platform admin and demo stores, safe to run again."""

from __future__ import annotations

import click
from flask import current_app

from kaidian.platform import accounts
from kaidian.platform.config import is_production
from kaidian.platform.extensions import db

from . import services

DEMO_ADMIN = ("admin@kaidian.local", "kaidian-admin-2026")
DEMO_STORES = (
    {"login": "apparel@kaidian.local", "store_name": "云裳服饰", "slug": "demo-apparel", "plan": "pro",
     "categories": ["apparel"]},
    {"login": "food@kaidian.local", "store_name": "山野食铺", "slug": "demo-food", "plan": "basic",
     "categories": ["food"]},
)
DEMO_PASSWORD = "kaidian-demo-2026"


@click.command("seed-demo")
def seed_demo():
    """Create the demo platform admin and demo stores (skipping what exists). Not in production:
    their passwords are printed in the README."""
    if is_production(current_app.config):
        raise click.ClickException("seed-demo creates accounts with public passwords; refused in production")
    if accounts.find_user(DEMO_ADMIN[0]) is None:
        accounts.create_user(DEMO_ADMIN[0], DEMO_ADMIN[1], platform_admin=True)
        db.session.commit()
    click.echo(f"platform admin: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
    for store in DEMO_STORES:
        if not services.slug_taken(store["slug"]):
            services.signup({**store, "password": DEMO_PASSWORD})
        click.echo(f"store {store['slug']}: {store['login']} / {DEMO_PASSWORD}")
