"""memberships: a member's access suspended (billing: beyond the plan's staff limit), kept, not deleted

Revision ID: a7c4staffcap1
Revises: a7c3billnote1
"""
from alembic import op
import sqlalchemy as sa

revision = "a7c4staffcap1"
down_revision = "a7c3billnote1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("suspended_reason", sa.String(length=40), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("memberships") as batch_op:
        batch_op.drop_column("suspended_reason")
        batch_op.drop_column("suspended_at")
