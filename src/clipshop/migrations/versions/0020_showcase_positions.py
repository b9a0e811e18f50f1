"""showcase positions: a creator's showcase has an order, 0 is the top, one product a place;
existing rows keep the order they were listed in (oldest first) (docs/creators.md)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "showcase_items"
BACKFILL = (
    f"UPDATE {TABLE} SET position = (SELECT COUNT(*) FROM {TABLE} AS earlier"
    f" WHERE earlier.creator_id = {TABLE}.creator_id AND earlier.id < {TABLE}.id)"
)


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
    op.execute(sa.text(BACKFILL))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column("position", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(
            f"uq_{TABLE}_creator_id_position", ["creator_id", "position"]
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(f"uq_{TABLE}_creator_id_position", type_="unique")
        batch_op.drop_column("position")
