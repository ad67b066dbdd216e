"""Payments: Alipay partner mode keeps the store's grant (app_auth_token, refresh token, expiries — encrypted
with ``DATA_KEY``) in its own column, ``grant_encrypted``, on the store's Alipay settings.

Revision ID: a7c6alipaygrant
Revises: a7c5mprollbk1
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c6alipaygrant"
down_revision = "a7c5mprollbk1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grant_encrypted", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("payment_settings", schema=None) as batch_op:
        batch_op.drop_column("grant_encrypted")
