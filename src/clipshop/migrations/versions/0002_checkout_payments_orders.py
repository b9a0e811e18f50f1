"""checkout, payments, orders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:29:10.723472
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("response_status", sa.BigInteger(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "platform_vouchers",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("percent_off", sa.BigInteger(), nullable=False),
        sa.Column("max_discount", sa.BigInteger(), nullable=False),
        sa.Column("min_spend", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.CheckConstraint(
            "percent_off > 0 AND percent_off <= 100", name=op.f("ck_platform_vouchers_percent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_vouchers")),
        sa.UniqueConstraint("code", name=op.f("uq_platform_vouchers_code")),
    )
    op.create_table(
        "sim_gateway_operations",
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_sim_gateway_operations")),
    )
    op.create_table(
        "tax_rates",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("rate_percent", sa.String(length=12), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
        sa.UniqueConstraint("country", "state", name="uq_tax_rates_country_state"),
    )
    op.create_table(
        "payment_methods",
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=20), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.BigInteger(), nullable=True),
        sa.Column("exp_year", sa.BigInteger(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('CARD', 'WALLET')", name=op.f("ck_payment_methods_kind")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_payment_methods_buyer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.create_index("ix_payment_methods_buyer_id", ["buyer_id"], unique=False)

    op.create_table(
        "shipping_profiles",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("min_days", sa.BigInteger(), nullable=False),
        sa.Column("max_days", sa.BigInteger(), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("rural_surcharge", sa.BigInteger(), nullable=False),
        sa.Column("rural_postal_prefixes", sa.JSON(), nullable=False),
        sa.Column("free_shipping_threshold", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.CheckConstraint(
            "min_days >= 0 AND max_days >= min_days", name=op.f("ck_shipping_profiles_days")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_shipping_profiles_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_profiles")),
        sa.UniqueConstraint("shop_id", "service", name="uq_shipping_profiles_shop_service"),
    )
    op.create_table(
        "payments",
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("method_id", sa.BigInteger(), nullable=True),
        sa.Column("gateway_ref", sa.String(length=100), nullable=True),
        sa.Column("captured_amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'VOIDED')",
            name=op.f("ck_payments_status"),
        ),
        sa.CheckConstraint(
            "amount >= 0 AND captured_amount >= 0 AND refunded_amount >= 0",
            name=op.f("ck_payments_amounts_non_negative"),
        ),
        sa.CheckConstraint(
            "captured_amount <= amount", name=op.f("ck_payments_captured_le_amount")
        ),
        sa.CheckConstraint(
            "refunded_amount <= captured_amount", name=op.f("ck_payments_refunded_le_captured")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_payments_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["payment_methods.id"],
            name=op.f("fk_payments_method_id_payment_methods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_buyer_id", ["buyer_id"], unique=False)

    op.create_table(
        "cart_items",
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity BETWEEN 1 AND 99", name=op.f("ck_cart_items_quantity")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_cart_items_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_cart_items_sku_id_skus")),
        sa.PrimaryKeyConstraint("buyer_id", "sku_id", name=op.f("pk_cart_items")),
    )
    op.create_table(
        "orders",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("original_total_product_price", sa.BigInteger(), nullable=False),
        sa.Column("seller_discount", sa.BigInteger(), nullable=False),
        sa.Column("platform_discount", sa.BigInteger(), nullable=False),
        sa.Column("sub_total", sa.BigInteger(), nullable=False),
        sa.Column("original_shipping_fee", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fee_seller_discount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fee_platform_discount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fee", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_service", sa.String(length=20), nullable=False),
        sa.Column("delivery_min_days", sa.BigInteger(), nullable=False),
        sa.Column("delivery_max_days", sa.BigInteger(), nullable=False),
        sa.Column("recipient_address", sa.JSON(), nullable=False),
        sa.Column("review_hold", sa.Boolean(), nullable=False),
        sa.Column("review_reason", sa.String(length=200), nullable=True),
        sa.Column("payment_failure", sa.String(length=200), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('UNPAID', 'ON_HOLD', 'AWAITING_SHIPMENT', 'PARTIALLY_SHIPPING', 'AWAITING_COLLECTION', 'IN_TRANSIT', 'DELIVERED', 'COMPLETED', 'CANCELLED')",
            name=op.f("ck_orders_status"),
        ),
        sa.CheckConstraint(
            "shipping_fee = original_shipping_fee - shipping_fee_seller_discount - shipping_fee_platform_discount",
            name=op.f("ck_orders_shipping_identity"),
        ),
        sa.CheckConstraint(
            "sub_total = original_total_product_price - seller_discount - platform_discount",
            name=op.f("ck_orders_sub_total_identity"),
        ),
        sa.CheckConstraint(
            "sub_total >= 0 AND shipping_fee >= 0 AND tax >= 0 AND seller_discount >= 0 AND platform_discount >= 0 AND shipping_fee_seller_discount >= 0 AND shipping_fee_platform_discount >= 0",
            name=op.f("ck_orders_amounts_non_negative"),
        ),
        sa.CheckConstraint(
            "total_amount = sub_total + shipping_fee + tax", name=op.f("ck_orders_total_identity")
        ),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_orders_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_orders_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_orders_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_buyer_id_id", ["buyer_id", "id"], unique=False)
        batch_op.create_index("ix_orders_payment_id", ["payment_id"], unique=False)
        batch_op.create_index("ix_orders_shop_id_id", ["shop_id", "id"], unique=False)
        batch_op.create_index("ix_orders_status_hold_until", ["status", "hold_until"], unique=False)

    op.create_table(
        "payment_attempts",
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("method_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("gateway_ref", sa.String(length=100), nullable=True),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("failure_message", sa.String(length=200), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'UNKNOWN')",
            name=op.f("ck_payment_attempts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_payment_attempts_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["payment_methods.id"],
            name=op.f("fk_payment_attempts_method_id_payment_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_attempts_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_attempts_idempotency_key")),
    )
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_attempts_buyer_id_created_at", ["buyer_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_payment_attempts_payment_id", ["payment_id"], unique=False)
        batch_op.create_index("ix_payment_attempts_status", ["status"], unique=False)

    op.create_table(
        "sku_discounts",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("discount_amount", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.CheckConstraint("discount_amount > 0", name=op.f("ck_sku_discounts_positive")),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_sku_discounts_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_sku_discounts_sku_id_skus")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sku_discounts")),
    )
    with op.batch_alter_table("sku_discounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sku_discounts_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sku_discounts_sku_id"), ["sku_id"], unique=False)

    op.create_table(
        "order_events",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_events_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_order_events_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
    )
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.create_index("ix_order_events_order_id_id", ["order_id", "id"], unique=False)

    op.create_table(
        "order_line_items",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger(), nullable=False),
        sa.Column("seller_sku", sa.String(length=100), nullable=False),
        sa.Column("product_name", sa.String(length=255), nullable=False),
        sa.Column("sku_name", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("original_price", sa.BigInteger(), nullable=False),
        sa.Column("seller_discount", sa.BigInteger(), nullable=False),
        sa.Column("platform_discount", sa.BigInteger(), nullable=False),
        sa.Column("sale_price", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.CheckConstraint(
            "sale_price = original_price - seller_discount - platform_discount",
            name=op.f("ck_order_line_items_sale_price_identity"),
        ),
        sa.CheckConstraint(
            "sale_price >= 0 AND tax >= 0", name=op.f("ck_order_line_items_amounts_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_line_items_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_line_items_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_order_line_items_shop_id_shops")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_order_line_items_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_order_line_items_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_line_items")),
    )
    with op.batch_alter_table("order_line_items", schema=None) as batch_op:
        batch_op.create_index("ix_order_line_items_order_id", ["order_id"], unique=False)

    op.create_table(
        "payment_transactions",
        sa.Column("payment_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway_ref", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND')",
            name=op.f("ck_payment_transactions_kind"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_payment_transactions_amount_non_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_transactions_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_transactions_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_payment_transactions_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transactions")),
    )
    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_payment_transactions_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_payment_transactions_payment_id", ["payment_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("payment_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_transactions_payment_id")
        batch_op.drop_index("ix_payment_transactions_order_id")

    op.drop_table("payment_transactions")
    with op.batch_alter_table("order_line_items", schema=None) as batch_op:
        batch_op.drop_index("ix_order_line_items_order_id")

    op.drop_table("order_line_items")
    with op.batch_alter_table("order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_events_order_id_id")

    op.drop_table("order_events")
    with op.batch_alter_table("sku_discounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sku_discounts_sku_id"))
        batch_op.drop_index(batch_op.f("ix_sku_discounts_shop_id"))

    op.drop_table("sku_discounts")
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_status")
        batch_op.drop_index("ix_payment_attempts_payment_id")
        batch_op.drop_index("ix_payment_attempts_buyer_id_created_at")

    op.drop_table("payment_attempts")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_status_hold_until")
        batch_op.drop_index("ix_orders_shop_id_id")
        batch_op.drop_index("ix_orders_payment_id")
        batch_op.drop_index("ix_orders_buyer_id_id")

    op.drop_table("orders")
    op.drop_table("cart_items")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_buyer_id")

    op.drop_table("payments")
    op.drop_table("shipping_profiles")
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_methods_buyer_id")

    op.drop_table("payment_methods")
    op.drop_table("tax_rates")
    op.drop_table("sim_gateway_operations")
    op.drop_table("platform_vouchers")
    op.drop_table("idempotency_keys")
