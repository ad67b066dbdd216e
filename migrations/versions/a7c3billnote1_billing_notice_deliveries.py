"""billing: each reminder's outcome per notification channel (email, sms, wechat)

Revision ID: a7c3billnote1
Revises: a7c3imgrend1
"""
import sqlalchemy as sa
from alembic import op

revision = "a7c3billnote1"
down_revision = "a7c3imgrend1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("billing_notices") as batch_op:
        batch_op.add_column(sa.Column("deliveries", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("billing_notices") as batch_op:
        batch_op.drop_column("deliveries")
