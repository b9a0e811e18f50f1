"""deadlines: order SLA times, timers, clock state, shop standing

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:31:42.809435
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_state",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("offset_microseconds", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_state")),
    )
    op.create_table(
        "shop_standing_events",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("window_days", sa.BigInteger(), nullable=False),
        sa.Column("breaches", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("from_standing", sa.String(length=12), nullable=False),
        sa.Column("to_standing", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_shop_standing_events_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_standing_events")),
    )
    with op.batch_alter_table("shop_standing_events", schema=None) as batch_op:
        batch_op.create_index("ix_shop_standing_events_shop_id_id", ["shop_id", "id"], unique=False)

    op.create_table(
        "timers",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_timers_attempts")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_timers_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
        sa.UniqueConstraint("kind", "subject_id", name="uq_timers_kind_subject"),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_due_at", ["due_at"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("region", sa.String(length=2), server_default="US", nullable=False)
        )
        batch_op.add_column(
            sa.Column("cancel_order_sla_time", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rts_sla_time", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("shipping_due_time", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("tts_sla_time", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("collection_due_time", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("delivery_sla_time", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("delivery_due_time", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("rts_time", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("late_dispatch", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("standing", sa.String(length=12), server_default="GOOD", nullable=False)
        )
        batch_op.add_column(
            sa.Column("breach_count", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("standing_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            "standing", "standing IN ('GOOD', 'WARNING', 'RESTRICTED', 'SUSPENDED')"
        )


def downgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_constraint("standing", type_="check")
        batch_op.drop_column("standing_changed_at")
        batch_op.drop_column("breach_count")
        batch_op.drop_column("standing")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("late_dispatch")
        batch_op.drop_column("completed_at")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("rts_time")
        batch_op.drop_column("delivery_due_time")
        batch_op.drop_column("delivery_sla_time")
        batch_op.drop_column("collection_due_time")
        batch_op.drop_column("tts_sla_time")
        batch_op.drop_column("shipping_due_time")
        batch_op.drop_column("rts_sla_time")
        batch_op.drop_column("cancel_order_sla_time")
        batch_op.drop_column("region")

    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due_at")

    op.drop_table("timers")
    with op.batch_alter_table("shop_standing_events", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_standing_events_shop_id_id")

    op.drop_table("shop_standing_events")
    op.drop_table("clock_state")
