"""derived delisting, one default warehouse

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:38:57.769884
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_column("delisted_low_stock")

    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.create_index(
            "uq_warehouses_one_default",
            ["shop_id"],
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )


def downgrade() -> None:

    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_warehouses_one_default",
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )

    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delisted_low_stock", sa.Boolean(), nullable=False, server_default=sa.false())
        )
