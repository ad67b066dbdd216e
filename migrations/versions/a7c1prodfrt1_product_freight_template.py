"""catalog: a product may name its freight template (orders' freight_template_id, no foreign key)

Revision ID: a7c1prodfrt1
Revises: a7c0billing01
"""
from alembic import op
import sqlalchemy as sa

revision = "a7c1prodfrt1"
down_revision = "a7c0billing01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("catalog_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("freight_template_id", sa.Uuid(), nullable=True))


def downgrade():
    with op.batch_alter_table("catalog_products", schema=None) as batch_op:
        batch_op.drop_column("freight_template_id")
