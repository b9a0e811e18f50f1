"""order edits: proposer, decider, decision note, amount change

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:39:48.580886
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_edits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposed_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("decision_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("amount_change", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_edits", schema=None) as batch_op:
        batch_op.drop_column("amount_change")
        batch_op.drop_column("decision_note")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("proposed_by")
