"""themes: theme settings, page documents and their versions

Revision ID: a5c0themes01
Revises: a4c0catalog1
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from kaidian.platform.tenancy import enable_tenant_rls  # noqa: F401

revision = "a5c0themes01"
down_revision = "a4c0catalog1"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
