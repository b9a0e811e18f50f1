"""after-sales: cancellations, returns, return lines, records, disputes, refund allocations; refunded amounts on orders and lines

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:23:30.571489
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aftersale_records",
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("actor_role", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("status_after", sa.String(length=40), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_aftersale_records_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_aftersale_records_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersale_records")),
    )
    with op.batch_alter_table("aftersale_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_aftersale_records_subject", ["subject_kind", "subject_id", "id"], unique=False
        )

    op.create_table(
        "cancellations",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("cancel_type", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("line_item_ids", sa.JSON(), nullable=False),
        sa.Column("refund_amount", sa.BigInteger(), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.String(length=200), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cancel_type IN ('CANCEL', 'BUYER_CANCEL')", name=op.f("ck_cancellations_cancel_type")
        ),
        sa.CheckConstraint(
            "role IN ('BUYER', 'SELLER', 'SYSTEM', 'OPERATOR')", name=op.f("ck_cancellations_role")
        ),
        sa.CheckConstraint(
            "status IN ('CANCELLATION_REQUEST_PENDING', 'CANCELLATION_REQUEST_SUCCESS', 'CANCELLATION_REQUEST_CANCEL', 'CANCELLATION_REQUEST_COMPLETE')",
            name=op.f("ck_cancellations_status"),
        ),
        sa.CheckConstraint("refund_amount >= 0", name=op.f("ck_cancellations_refund_amount")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_cancellations_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_cancellations_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_cancellations_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellations")),
    )
    with op.batch_alter_table("cancellations", schema=None) as batch_op:
        batch_op.create_index("ix_cancellations_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_cancellations_shop_id_id", ["shop_id", "id"], unique=False)
        batch_op.create_index(
            "uq_cancellations_one_pending",
            ["order_id"],
            unique=True,
            sqlite_where=sa.text("status = 'CANCELLATION_REQUEST_PENDING'"),
            postgresql_where=sa.text("status = 'CANCELLATION_REQUEST_PENDING'"),
        )

    op.create_table(
        "returns",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("return_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("refund_amount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_refund", sa.BigInteger(), nullable=False),
        sa.Column("partial_refund_amount", sa.BigInteger(), nullable=True),
        sa.Column("partial_refund_status", sa.String(length=12), nullable=True),
        sa.Column("seller_respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("buyer_ship_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_provider", sa.String(length=20), nullable=True),
        sa.Column("return_tracking_number", sa.String(length=64), nullable=True),
        sa.Column("reject_reason", sa.String(length=200), nullable=True),
        sa.Column("replacement_order_id", sa.BigInteger(), nullable=True),
        sa.Column("refund_txn_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "return_type IN ('REFUND', 'RETURN_AND_REFUND', 'REPLACEMENT')",
            name=op.f("ck_returns_return_type"),
        ),
        sa.CheckConstraint(
            "status IN ('RETURN_OR_REFUND_REQUEST_PENDING', 'AWAITING_BUYER_SHIP', 'BUYER_SHIPPED_ITEM', 'REJECT_RECEIVE_PACKAGE', 'RETURN_OR_REFUND_REQUEST_SUCCESS', 'REFUND_OR_RETURN_REQUEST_REJECT', 'RETURN_OR_REFUND_REQUEST_CANCEL', 'RETURN_OR_REFUND_REQUEST_COMPLETE')",
            name=op.f("ck_returns_status"),
        ),
        sa.CheckConstraint(
            "partial_refund_amount IS NULL OR partial_refund_amount > 0",
            name=op.f("ck_returns_partial_refund"),
        ),
        sa.CheckConstraint("refund_amount >= 0", name=op.f("ck_returns_refund_amount")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_returns_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["replacement_order_id"],
            ["orders.id"],
            name=op.f("fk_returns_replacement_order_id_orders"),
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_returns_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index("ix_returns_buyer_id_id", ["buyer_id", "id"], unique=False)
        batch_op.create_index("ix_returns_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_returns_shop_id_id", ["shop_id", "id"], unique=False)

    op.create_table(
        "disputes",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("return_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("line_item_ids", sa.JSON(), nullable=False),
        sa.Column("agent_id", sa.BigInteger(), nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.Column("refund_amount", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('ESCALATION', 'DAMAGE_CLAIM', 'BUYER_PROTECTION')",
            name=op.f("ck_disputes_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('IN_PROGRESS', 'SUPPORT_BUYER', 'SUPPORT_SELLER', 'CLOSED')",
            name=op.f("ck_disputes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_disputes_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_disputes_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_disputes_return_id_returns")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_disputes_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index("ix_disputes_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_disputes_status_id", ["status", "id"], unique=False)

    op.create_table(
        "refund_allocations",
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_item_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["line_item_id"],
            ["order_line_items.id"],
            name=op.f("fk_refund_allocations_line_item_id_order_line_items"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_refund_allocations_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payment_transactions.id"],
            name=op.f("fk_refund_allocations_transaction_id_payment_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_allocations")),
    )
    with op.batch_alter_table("refund_allocations", schema=None) as batch_op:
        batch_op.create_index("ix_refund_allocations_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_refund_allocations_transaction_id", ["transaction_id"], unique=False
        )

    op.create_table(
        "return_lines",
        sa.Column("return_id", sa.BigInteger(), nullable=False),
        sa.Column("line_item_id", sa.BigInteger(), nullable=False),
        sa.Column("refund_amount", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.CheckConstraint("refund_amount >= 0", name=op.f("ck_return_lines_refund_amount")),
        sa.ForeignKeyConstraint(
            ["line_item_id"],
            ["order_line_items.id"],
            name=op.f("fk_return_lines_line_item_id_order_line_items"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )
    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.create_index("ix_return_lines_line_item_id", ["line_item_id"], unique=False)
        batch_op.create_index("ix_return_lines_return_id", ["return_id"], unique=False)

    with op.batch_alter_table("order_line_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refunded_amount", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            "refund_cap", "refunded_amount >= 0 AND refunded_amount <= sale_price + tax"
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refunded_amount", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("shipping_refunded", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            "refund_cap", "refunded_amount >= 0 AND refunded_amount <= total_amount"
        )
        batch_op.create_check_constraint(
            "shipping_refund_cap", "shipping_refunded >= 0 AND shipping_refunded <= shipping_fee"
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("shipping_refund_cap", type_="check")
        batch_op.drop_constraint("refund_cap", type_="check")
        batch_op.drop_column("shipping_refunded")
        batch_op.drop_column("refunded_amount")

    with op.batch_alter_table("order_line_items", schema=None) as batch_op:
        batch_op.drop_constraint("refund_cap", type_="check")
        batch_op.drop_column("refunded_amount")

    with op.batch_alter_table("return_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_return_lines_return_id")
        batch_op.drop_index("ix_return_lines_line_item_id")

    op.drop_table("return_lines")
    with op.batch_alter_table("refund_allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_refund_allocations_transaction_id")
        batch_op.drop_index("ix_refund_allocations_order_id")

    op.drop_table("refund_allocations")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_status_id")
        batch_op.drop_index("ix_disputes_order_id")

    op.drop_table("disputes")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index("ix_returns_shop_id_id")
        batch_op.drop_index("ix_returns_order_id")
        batch_op.drop_index("ix_returns_buyer_id_id")

    op.drop_table("returns")
    with op.batch_alter_table("cancellations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cancellations_one_pending",
            sqlite_where=sa.text("status = 'CANCELLATION_REQUEST_PENDING'"),
            postgresql_where=sa.text("status = 'CANCELLATION_REQUEST_PENDING'"),
        )
        batch_op.drop_index("ix_cancellations_shop_id_id")
        batch_op.drop_index("ix_cancellations_order_id")

    op.drop_table("cancellations")
    with op.batch_alter_table("aftersale_records", schema=None) as batch_op:
        batch_op.drop_index("ix_aftersale_records_subject")

    op.drop_table("aftersale_records")
