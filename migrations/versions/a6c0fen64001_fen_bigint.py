"""money columns holding fen become BIGINT (the schemas allow up to MAX_FEN, ¥100,000,000)

Revision ID: a6c0fen64001
Revises: a6c0domains1
"""
from alembic import op
import sqlalchemy as sa

revision = "a6c0fen64001"
down_revision = "a6c0domains1"
branch_labels = None
depends_on = None

# (table, column, nullable): every column holding an amount in fen.
FEN_COLUMNS = (
    ("catalog_skus", "price", False),
    ("catalog_skus", "original_price", True),
)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite's INTEGER already holds 64-bit values; ALTER COLUMN TYPE does not exist there
    for table, column, nullable in FEN_COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=nullable)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in FEN_COLUMNS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=nullable)
