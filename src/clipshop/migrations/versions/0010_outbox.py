"""outbox: domain events written with the change that announced them, their per-consumer
deliveries, and the sellers' event feed (docs/architecture.md, "Events and the outbox")

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_order_id_id", ["order_id", "id"], unique=False)
        batch_op.create_index("ix_outbox_relayed_at_id", ["relayed_at", "id"], unique=False)

    op.create_table(
        "outbox_deliveries",
        sa.Column("consumer", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["outbox.id"], name=op.f("fk_outbox_deliveries_event_id_outbox")
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_outbox_deliveries")),
    )
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_deliveries_consumer_next_attempt_at",
            ["consumer", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_outbox_deliveries_consumer_order_id",
            ["consumer", "order_id", "event_id"],
            unique=False,
        )

    op.create_table(
        "event_feed",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_feed")),
        sa.UniqueConstraint("event_id", name="uq_event_feed_event_id"),
    )
    with op.batch_alter_table("event_feed", schema=None) as batch_op:
        batch_op.create_index("ix_event_feed_shop_id_seq", ["shop_id", "seq"], unique=False)
        batch_op.create_index("ix_event_feed_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_feed", schema=None) as batch_op:
        batch_op.drop_index("ix_event_feed_created_at")
        batch_op.drop_index("ix_event_feed_shop_id_seq")
    op.drop_table("event_feed")
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_deliveries_consumer_order_id")
        batch_op.drop_index("ix_outbox_deliveries_consumer_next_attempt_at")
    op.drop_table("outbox_deliveries")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_relayed_at_id")
        batch_op.drop_index("ix_outbox_order_id_id")
    op.drop_table("outbox")
