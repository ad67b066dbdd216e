"""``flask kaidian setup-themes``: give every store without a theme its template's theme and pages, and
every store the pages of page kinds registered since it was set up, with the template's links to them
(``new_pages``; ``flask db upgrade`` does this part too, in the data migration ``a7c3newpages``).

New stores get theirs on ``tenant.created``; this sets up stores created before that (or whose
set-up failed). Safe to run again."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from kaidian.platform.extensions import db
from kaidian.platform.models import Tenant
from kaidian.platform.tenancy import all_tenants, tenant_context

from . import services


@click.command("setup-themes")
@with_appcontext
def setup_themes():
    """Set up the theme of every store that has none, and add pages of newly registered page kinds."""
    with all_tenants():
        tenant_ids = list(db.session.execute(select(Tenant.id)).scalars())
        db.session.rollback()
    count = added = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            tenant = db.session.get(Tenant, tenant_id)
            if services.find_theme() is None:
                services.setup(tenant)
                count += 1
            elif services.add_missing_pages(tenant):
                added += 1
            db.session.rollback()
    click.echo(f"set up {count} store themes; added new pages to {added} stores")
