"""force majeure: an order records the hours its shipping deadlines were extended in total
and when the first extension was approved (docs/deadlines.md, "Force-majeure extensions")

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deadline_extension_hours", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("force_majeure_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("force_majeure_at")
        batch_op.drop_column("deadline_extension_hours")
