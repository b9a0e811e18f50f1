"""social: live sessions, videos, an order's source, the creator role (docs/promotions.md)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

OLD_ROLES = "role IN ('buyer', 'seller', 'agent', 'supervisor', 'admin')"
NEW_ROLES = "role IN ('buyer', 'seller', 'agent', 'supervisor', 'admin', 'creator')"


def _hosted(name: str, *extra: Any) -> None:
    op.create_table(
        name,
        sa.Column("host_user_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        *extra,
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_user_id"], ["users.id"], name=op.f(f"fk_{name}_host_user_id_users")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f(f"fk_{name}_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_host_user_id_id", name, ["host_user_id", "id"])
    op.create_index(f"ix_{name}_shop_id_id", name, ["shop_id", "id"])


def upgrade() -> None:
    _hosted(
        "live_sessions",
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('LIVE', 'ENDED')", name=op.f("ck_live_sessions_status")),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_live_sessions_ended_after_start"),
        ),
    )
    _hosted("videos")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_type", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("source_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role"), sa.text(NEW_ROLES))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role"), sa.text(OLD_ROLES))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("source_id")
        batch_op.drop_column("source_type")
    for name in ("videos", "live_sessions"):
        op.drop_index(f"ix_{name}_shop_id_id", table_name=name)
        op.drop_index(f"ix_{name}_host_user_id_id", table_name=name)
        op.drop_table(name)
