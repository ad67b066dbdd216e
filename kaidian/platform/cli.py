"""``flask kaidian …`` commands: create-admin, seed-demo, rotate-data-key."""

from __future__ import annotations

import click
from flask import current_app

from . import accounts
from .extensions import db


@click.group("kaidian")
def kaidian_cli():
    """Kaidian administration."""


@kaidian_cli.command("create-admin")
@click.option("--login", required=True, help="Email or mainland mobile number.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(login: str, password: str):
    """Create a platform admin (or make an existing user one)."""
    user = accounts.find_user(login)
    if user is None:
        user = accounts.create_user(login, password, platform_admin=True)
    user.is_platform_admin = True
    db.session.commit()
    click.echo(f"platform admin: {user.login_name}")


@kaidian_cli.command("rotate-data-key")
def rotate_data_key():
    """Re-encrypt every stored merchant secret with the first key of DATA_KEY."""
    count = 0
    for rotate in current_app.extensions.get("kaidian_secret_rotators", []):
        count += rotate()
    db.session.commit()
    click.echo(f"re-encrypted {count} secrets")


def init_app(app) -> None:
    app.cli.add_command(kaidian_cli)
    app.extensions.setdefault("kaidian_secret_rotators", [])
