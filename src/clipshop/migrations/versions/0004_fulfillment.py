"""fulfillment: packages, carrier events, files, order edits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:03:25.898707
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "packages",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("shipping_type", sa.String(length=10), nullable=False),
        sa.Column("shipping_service", sa.String(length=20), nullable=False),
        sa.Column("provider_code", sa.String(length=20), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("tracking_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tracking_corrections", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("handover_method", sa.String(length=10), nullable=True),
        sa.Column("pickup_slot_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pickup_slot_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_address", sa.JSON(), nullable=False),
        sa.Column("weight_grams", sa.BigInteger(), nullable=False),
        sa.Column("estimated_delivery", sa.Date(), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.BigInteger(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event_kind", sa.String(length=24), nullable=True),
        sa.Column("sim_scenario", sa.String(length=24), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "shipping_type IN ('SELLER', 'PLATFORM')", name=op.f("ck_packages_shipping_type")
        ),
        sa.CheckConstraint(
            "status IN ('PROCESSING', 'FULFILLING', 'COMPLETED', 'CANCELLED')",
            name=op.f("ck_packages_status"),
        ),
        sa.CheckConstraint("failed_attempts >= 0", name=op.f("ck_packages_failed_attempts")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_packages_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_packages_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
        sa.UniqueConstraint("provider_code", "tracking_number", name="uq_packages_tracking"),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index("ix_packages_buyer_id", ["buyer_id"], unique=False)
        batch_op.create_index("ix_packages_shop_id_id", ["shop_id", "id"], unique=False)

    op.create_table(
        "stored_files",
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_kind", sa.String(length=30), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_stored_files_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_stored_files_storage_key")),
    )
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.create_index("ix_stored_files_owner", ["owner_kind", "owner_id"], unique=False)

    op.create_table(
        "package_events",
        sa.Column("package_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_code", sa.String(length=20), nullable=False),
        sa.Column("carrier_event_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_events_package_id_packages")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_package_events_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_events")),
        sa.UniqueConstraint("provider_code", "carrier_event_id", name="uq_package_events_carrier"),
    )
    with op.batch_alter_table("package_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_package_events_package_id_occurred_at", ["package_id", "occurred_at"], unique=False
        )

    op.create_table(
        "sim_carrier_steps",
        sa.Column("package_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_code", sa.String(length=20), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("emitted", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_sim_carrier_steps_package_id_packages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_carrier_steps")),
    )
    with op.batch_alter_table("sim_carrier_steps", schema=None) as batch_op:
        batch_op.create_index("ix_sim_carrier_steps_due_at", ["emitted", "due_at"], unique=False)

    op.create_table(
        "order_edits",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('PROPOSED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')",
            name=op.f("ck_order_edits_status"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_edits_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_order_edits_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_edits")),
    )
    with op.batch_alter_table("order_edits", schema=None) as batch_op:
        batch_op.create_index("ix_order_edits_order_id", ["order_id"], unique=False)

    with op.batch_alter_table("order_line_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("package_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_order_line_items_package_id"), ["package_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_order_line_items_package_id_packages"),
            "packages",
            ["package_id"],
            ["id"],
        )


def downgrade() -> None:

    with op.batch_alter_table("order_line_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_order_line_items_package_id_packages"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_order_line_items_package_id"))
        batch_op.drop_column("package_id")

    with op.batch_alter_table("order_edits", schema=None) as batch_op:
        batch_op.drop_index("ix_order_edits_order_id")

    op.drop_table("order_edits")
    with op.batch_alter_table("sim_carrier_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_sim_carrier_steps_due_at")

    op.drop_table("sim_carrier_steps")
    with op.batch_alter_table("package_events", schema=None) as batch_op:
        batch_op.drop_index("ix_package_events_package_id_occurred_at")

    op.drop_table("package_events")
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_index("ix_stored_files_owner")

    op.drop_table("stored_files")
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_index("ix_packages_shop_id_id")
        batch_op.drop_index("ix_packages_buyer_id")

    op.drop_table("packages")
