"""data: stores set up before selling get its pages (cart, checkout, pay, orders, order, after-sales)
and their template's cart tab and member-page links (``kaidian.themes.new_pages``)

Runs the application's own ``new_pages.add_to_all_stores`` (idempotent; the same as ``flask kaidian
setup-themes``) inside an autocommit block: the migrations before it are committed first, so the
application's session — the application role, row-level security per store — sees their tables.
A database without any store theme (a new installation) has nothing to do.

It uses the application's models as they are now, so it runs after every schema change it could
meet: keep it the last revision when adding a migration (re-point its ``down_revision``), or the
models would ask for columns an older database does not have yet.

Revision ID: a7c3newpages
Revises: a7c6alipaygrant
"""
from alembic import op
import sqlalchemy as sa

revision = "a7c3newpages"
down_revision = "a7c6alipaygrant"
branch_labels = None
depends_on = None


def upgrade():
    themed = op.get_bind().execute(sa.text("SELECT count(*) FROM theme_settings")).scalar()
    if not themed:
        return
    from kaidian.themes import new_pages

    with op.get_context().autocommit_block():
        new_pages.add_to_all_stores()


def downgrade():
    pass  # pages and links stay: they are the stores' data now
