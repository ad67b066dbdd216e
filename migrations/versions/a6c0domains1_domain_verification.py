"""domains: proof of control (verified_at, last check and its error)

Revision ID: a6c0domains1
Revises: a5c0themes01

Domains claimed before this revision were never proven: they stay unverified (and stop serving the
store) until the merchant adds the TXT record and the check passes.
"""
from alembic import op
import sqlalchemy as sa

revision = "a6c0domains1"
down_revision = "a5c0themes01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("domains", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("check_error", sa.String(length=200), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("domains", schema=None) as batch_op:
        batch_op.drop_column("check_error")
        batch_op.drop_column("checked_at")
        batch_op.drop_column("verified_at")
