"""catalog: product images list their further renditions (480 px, WebP, AVIF) once they are stored

Revision ID: a7c3imgrend1
Revises: a7c1notices01
"""
from alembic import op
import sqlalchemy as sa

revision = "a7c3imgrend1"
down_revision = "a7c1notices01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("catalog_product_images") as batch:
        batch.add_column(sa.Column("renditions", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    with op.batch_alter_table("catalog_product_images") as batch:
        batch.drop_column("renditions")
