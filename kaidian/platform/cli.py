"""``flask kaidian …`` commands: create-admin, seed-demo, rotate-data-key, move-private-files."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from . import accounts, private_move
from .cache import get_redis
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


@kaidian_cli.command("move-private-files")
@click.option("--wait/--no-wait", default=True, help="Follow the queued job's progress until it ends.")
@with_appcontext
def move_private_files(wait: bool):
    """Move order exports, 发票 PDFs and after-sales photos stored under the public prefix t/ before they
    were private to p/, and delete the unsent photos left there (run once after upgrading; safe to run again)."""
    connection = None if current_app.config.get("JOBS_INLINE") else get_redis()
    if connection is None:  # the embedded default: run it here
        tally = private_move.move_legacy_private(progress=lambda tally: click.echo(_progress_line(tally.as_dict())))
        _finish(tally)
        return
    from rq import Queue

    job = private_move.queued_or_running(connection)
    if job is None:
        job = Queue("low", connection=connection).enqueue_call(
            private_move.move_legacy_private, timeout=private_move.TIMEOUT, job_id=private_move.JOB_ID
        )
        click.echo(f"queued job {job.id} on the low queue")
    else:
        click.echo(f"job {job.id} is already {_status(job)}")
    if not wait:
        return
    shown = None
    while True:
        status = job.get_status(refresh=True)
        job.refresh()
        line = _progress_line(job.meta.get("progress") or {})
        if line != shown:
            click.echo(line)
            shown = line
        if status in ("finished", "failed", "stopped", "canceled"):
            break
        time.sleep(2)
    if status != "finished":
        click.echo(_status(job))
        raise SystemExit(1)
    _finish(job.meta.get("progress") or {})


def _finish(tally: dict) -> None:
    if tally.get("failed"):
        click.echo(f"{tally['failed']} rows could not be moved (see the log): run the command again")
        raise SystemExit(1)
    click.echo("done")


def _status(job) -> str:
    status = job.get_status(refresh=False)
    return getattr(status, "value", status)


def _progress_line(p: dict) -> str:
    return (
        f"stores {p.get('done', 0)}/{p.get('stores', '?')}: moved {p.get('moved', 0)}, "
        f"deleted {p.get('deleted', 0)}, kept for now {p.get('kept_young', 0)}, failed {p.get('failed', 0)}"
    )


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
