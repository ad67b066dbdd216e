"""Mini program: a rolled-back release no longer holds its template version (the merchant may commit and
submit that version again): the partial unique index ``uq_mp_submissions_template`` leaves out
``rolled_back`` as it does rejected, withdrawn and failed submissions (``models.NOT_HOLDING``).

Revision ID: a7c5mprollbk1
Revises: a7c4asphoto1
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c5mprollbk1"
down_revision = "a7c4asphoto1"
branch_labels = None
depends_on = None

OLD = "status NOT IN ('rejected', 'withdrawn', 'failed')"
NEW = "status NOT IN ('rejected', 'withdrawn', 'failed', 'rolled_back')"


def _recreate(where: str, before: str) -> None:
    with op.batch_alter_table("mp_submissions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mp_submissions_template", postgresql_where=sa.text(before), sqlite_where=sa.text(before)
        )
        batch_op.create_index(
            "uq_mp_submissions_template",
            ["tenant_id", "template_id"],
            unique=True,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def upgrade():
    _recreate(NEW, OLD)


def downgrade():
    # fails (unique violation) when a store submitted a template version again after rolling it back:
    # the old rule cannot hold both rows
    _recreate(OLD, NEW)
