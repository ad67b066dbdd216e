"""``flask kaidian …`` commands: create-admin, seed-demo, rotate-data-key."""

from __future__ import annotations

import click
from flask import current_app

from . import accounts
from .unit import unit


@click.group("kaidian")
def kaidian_cli():
    """Kaidian administration."""


@kaidian_cli.command("create-admin")
@click.option("--login", required=True, help="Email or mainland mobile number.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(login: str, password: str):
    """Create a platform admin (or make an existing user one)."""
    with unit():
        user = accounts.find_user(login)
        if user is None:
            user = accounts.create_user(login, password, platform_admin=True)
        user.is_platform_admin = True
    click.echo(f"platform admin: {user.login_name}")


@kaidian_cli.command("rotate-data-key")
def rotate_data_key():
    """Re-encrypt every stored merchant secret with the first key of DATA_KEY."""
    count = 0
    with unit():
        for rotate in current_app.extensions.get("kaidian_secret_rotators", []):
            count += rotate()
    click.echo(f"re-encrypted {count} secrets")


def add_demo_seeder(app, order: int, seeder) -> None:
    """Register ``seeder(tenant, store, owner) -> str`` to fill a demo store (``seed-demo``), lowest order first.

    ``store`` is the demo store's description (slug, name, ``template``…); a seeder goes through its domain's
    services, skips what already exists (running it twice changes nothing) and returns a one-line summary.
    """
    app.extensions.setdefault("kaidian_demo_seeders", []).append((order, seeder))


def demo_seeders(app) -> list:
    return [seeder for _, seeder in sorted(app.extensions.get("kaidian_demo_seeders", []), key=lambda x: x[0])]


def init_app(app) -> None:
    app.cli.add_command(kaidian_cli)
    app.extensions.setdefault("kaidian_secret_rotators", [])
    app.extensions.setdefault("kaidian_demo_seeders", [])
