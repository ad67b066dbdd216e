"""``flask kaidian image-renditions``: queue the job that adds the 480 px, WebP and AVIF renditions to
every product image stored before they existed (or before this Pillow could write AVIF). Safe to run
again: the job writes only what an image lacks, and images that have everything are skipped."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kaidian.platform.extensions import db
from kaidian.platform.jobs import enqueue
from kaidian.platform.tenancy import all_tenants

from . import media, tasks


@click.command("image-renditions")
@with_appcontext
def image_renditions():
    """Queue the renditions job for every product image that lacks one (inline without Redis)."""
    with all_tenants():
        missing = media.missing_renditions()
        db.session.rollback()
    for tenant_id, image_id in missing:
        enqueue(tasks.make_renditions, str(tenant_id), str(image_id), queue="low", timeout=120,
                job_id=f"renditions-{image_id}")
    click.echo(f"queued renditions for {len(missing)} images")
