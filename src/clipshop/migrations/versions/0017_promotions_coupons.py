"""promotions coupons: shop coupons with buyers' wallets and uses, bundles, free-shipping
promotions (docs/promotions.md)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("coupon_uses", "coupon_wallets", "shop_coupons", "free_shipping_promotions", "bundles")
INDEXES = {
    "coupon_uses": "ix_coupon_uses_coupon_id_buyer_id",
    "coupon_wallets": "ix_coupon_wallets_buyer_id",
    "shop_coupons": "ix_shop_coupons_shop_id_id",
    "free_shipping_promotions": "ix_free_shipping_promotions_shop_id_id",
    "bundles": "ix_bundles_shop_id_id",
}


def upgrade() -> None:
    op.create_table(
        "bundles",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("buy_quantity", sa.BigInteger(), nullable=True),
        sa.Column("free_quantity", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind = 'TIERS' OR (buy_quantity >= 1 AND free_quantity >= 1)",
            name=op.f("ck_bundles_buy_get"),
        ),
        sa.CheckConstraint("kind IN ('TIERS', 'BUY_X_GET_Y')", name=op.f("ck_bundles_kind")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bundles_window")),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_bundles_shop_id_shops")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundles")),
    )
    op.create_index("ix_bundles_shop_id_id", "bundles", ["shop_id", "id"], unique=False)
    op.create_table(
        "free_shipping_promotions",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_free_shipping_promotions_window")),
        sa.CheckConstraint("threshold >= 0", name=op.f("ck_free_shipping_promotions_threshold")),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_free_shipping_promotions_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_free_shipping_promotions")),
    )
    op.create_index(
        "ix_free_shipping_promotions_shop_id_id",
        "free_shipping_promotions",
        ["shop_id", "id"],
        unique=False,
    )
    op.create_table(
        "shop_coupons",
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount_off", sa.BigInteger(), nullable=True),
        sa.Column("percent_off", sa.BigInteger(), nullable=True),
        sa.Column("max_discount", sa.BigInteger(), nullable=True),
        sa.Column("min_spend", sa.BigInteger(), nullable=False),
        sa.Column("min_completed_orders", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_limit", sa.BigInteger(), nullable=False),
        sa.Column("per_buyer_limit", sa.BigInteger(), nullable=False),
        sa.Column("uses", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'AMOUNT' AND amount_off > 0 AND percent_off IS NULL) OR (kind = 'PERCENT' AND percent_off BETWEEN 1 AND 100 AND amount_off IS NULL)",
            name=op.f("ck_shop_coupons_kind_amounts"),
        ),
        sa.CheckConstraint("kind IN ('AMOUNT', 'PERCENT')", name=op.f("ck_shop_coupons_kind")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_shop_coupons_window")),
        sa.CheckConstraint(
            "max_discount IS NULL OR max_discount > 0", name=op.f("ck_shop_coupons_max_discount")
        ),
        sa.CheckConstraint(
            "min_spend >= 0 AND min_completed_orders >= 0", name=op.f("ck_shop_coupons_minimums")
        ),
        sa.CheckConstraint(
            "total_limit >= 1 AND per_buyer_limit >= 1", name=op.f("ck_shop_coupons_limits")
        ),
        sa.CheckConstraint("uses >= 0 AND uses <= total_limit", name=op.f("ck_shop_coupons_uses")),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_shop_coupons_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_coupons")),
        sa.UniqueConstraint("shop_id", "code", name="uq_shop_coupons_shop_code"),
    )
    op.create_index("ix_shop_coupons_shop_id_id", "shop_coupons", ["shop_id", "id"], unique=False)
    op.create_table(
        "coupon_wallets",
        sa.Column("coupon_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uses", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_coupon_wallets_uses")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_coupon_wallets_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"],
            ["shop_coupons.id"],
            name=op.f("fk_coupon_wallets_coupon_id_shop_coupons"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_coupon_wallets_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("coupon_id", "buyer_id", name=op.f("pk_coupon_wallets")),
    )
    op.create_index("ix_coupon_wallets_buyer_id", "coupon_wallets", ["buyer_id"], unique=False)
    op.create_table(
        "coupon_uses",
        sa.Column("coupon_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_coupon_uses_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["shop_coupons.id"], name=op.f("fk_coupon_uses_coupon_id_shop_coupons")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_coupon_uses_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_coupon_uses_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_uses")),
        sa.UniqueConstraint("order_id", name="uq_coupon_uses_order_id"),
    )
    op.create_index(
        "ix_coupon_uses_coupon_id_buyer_id", "coupon_uses", ["coupon_id", "buyer_id"], unique=False
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_index(INDEXES[name], table_name=name)
        op.drop_table(name)
