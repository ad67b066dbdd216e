"""catalog: categories, groups, products, SKUs, images, imports

Revision ID: a4c0catalog1
Revises: a3c0wechat01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from kaidian.platform.tenancy import enable_tenant_rls  # noqa: F401

revision = "a4c0catalog1"
down_revision = "a3c0wechat01"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
