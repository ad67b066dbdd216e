"""wechat: authorizers, component tickets, customers

Revision ID: a3c0wechat01
Revises: 9f22916671c0
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from kaidian.platform.tenancy import enable_tenant_rls  # noqa: F401

revision = "a3c0wechat01"
down_revision = "9f22916671c0"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
