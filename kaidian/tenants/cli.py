"""``flask kaidian seed-demo``: a platform admin and two demo stores with real content, safe to run again.

The stores are created through signup; then every domain's registered demo seeder fills them (catalog:
categories and products with pictures; themes: the industry template, published; WeChat: a sandbox
official account bound with its menu published). Each seeder skips what exists, so a second run changes
nothing.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from kaidian.platform import accounts
from kaidian.platform.cli import demo_seeders
from kaidian.platform.config import is_production
from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import tenant_context
from kaidian.platform.unit import unit

from . import services

DEMO_ADMIN = ("admin@kaidian.local", "kaidian-admin-2026")
DEMO_STORES = (
    {"login": "apparel@kaidian.local", "store_name": "云裳服饰", "slug": "demo-apparel", "plan": "pro",
     "categories": ["apparel"], "template": "clothing"},
    {"login": "food@kaidian.local", "store_name": "山野食铺", "slug": "demo-food", "plan": "basic",
     "categories": ["food"], "template": "food"},
)
DEMO_PASSWORD = "kaidian-demo-2026"
SIGNUP_FIELDS = ("login", "store_name", "slug", "plan", "categories")


@click.command("seed-demo")
def seed_demo():
    """Create the demo platform admin and demo stores (skipping what exists). Not in production:
    their passwords are printed in the README."""
    if is_production(current_app.config):
        raise click.ClickException("seed-demo creates accounts with public passwords; refused in production")
    if accounts.find_user(DEMO_ADMIN[0]) is None:
        with unit():
            accounts.create_user(DEMO_ADMIN[0], DEMO_ADMIN[1], platform_admin=True)
    click.echo(f"platform admin: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
    for store in DEMO_STORES:
        if not services.slug_taken(store["slug"]):
            services.signup({**{key: store[key] for key in SIGNUP_FIELDS}, "password": DEMO_PASSWORD})
        click.echo(f"store {store['slug']}: {store['login']} / {DEMO_PASSWORD}")
        for line in fill_demo_store(store):
            click.echo(f"  {line}")


def fill_demo_store(store: dict) -> list[str]:
    """Run every registered demo seeder for ``store`` (each in a fresh session, inside the store)."""
    lines = []
    for seeder in demo_seeders(current_app):
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == store["slug"])).scalar_one()
        owner = accounts.find_user(store["login"])
        with tenant_context(tenant.id):
            lines.append(seeder(tenant, store, owner))
        db.session.remove()
    return [line for line in lines if line]
