"""promotions deals: product discounts, flash deals, live-only prices, buyer uses and claims
(docs/deals.md)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None

TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _ck(table: str, name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    t = "promotions"
    op.create_table(
        t,
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("sku_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("percent_off", sa.BigInteger(), nullable=True),
        sa.Column("deal_price", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", TIME, nullable=False),
        sa.Column("ends_at", TIME, nullable=False),
        sa.Column("live_session_id", sa.BigInteger(), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("sold", sa.BigInteger(), nullable=False),
        sa.Column("per_buyer_limit", sa.BigInteger(), nullable=True),
        sa.Column("on_sold_out", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        _ck(
            t,
            "flash_deal",
            "kind <> 'FLASH_DEAL' OR (deal_price IS NOT NULL AND quantity IS NOT NULL)",
        ),
        _ck(t, "kind", "kind IN ('PRODUCT_DISCOUNT', 'FLASH_DEAL')"),
        _ck(t, "on_sold_out", "on_sold_out IN ('FALLBACK', 'REFUSE')"),
        _ck(t, "percent_or_price", "(percent_off IS NULL) <> (deal_price IS NULL)"),
        _ck(t, "deal_price", "deal_price IS NULL OR deal_price >= 0"),
        _ck(t, "window", "ends_at > starts_at"),
        _ck(t, "per_buyer", "per_buyer_limit IS NULL OR per_buyer_limit >= 1"),
        _ck(t, "percent", "percent_off IS NULL OR percent_off BETWEEN 1 AND 99"),
        _ck(t, "quantity", "quantity IS NULL OR quantity >= 1"),
        _ck(t, "sold", "sold >= 0 AND (quantity IS NULL OR sold <= quantity)"),
        _fk(t, "live_session_id", "live_sessions"),
        _fk(t, "shop_id", "shops"),
        _fk(t, "sku_id", "skus"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    op.create_index("ix_promotions_shop_id_id", t, ["shop_id", "id"])
    op.create_index("ix_promotions_sku_id_ends_at", t, ["sku_id", "ends_at"])
    t = "promotion_buyer_uses"
    op.create_table(
        t,
        sa.Column("promotion_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        _ck(t, "used", "used >= 0"),
        _fk(t, "buyer_id", "users"),
        _fk(t, "promotion_id", "promotions"),
        sa.PrimaryKeyConstraint("promotion_id", "buyer_id", name=op.f(f"pk_{t}")),
    )
    t = "promotion_claims"
    op.create_table(
        t,
        sa.Column("promotion_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_item_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("released_at", TIME, nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        _fk(t, "buyer_id", "users"),
        _fk(t, "line_item_id", "order_line_items"),
        _fk(t, "order_id", "orders"),
        _fk(t, "promotion_id", "promotions"),
        _fk(t, "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    op.create_index("ix_promotion_claims_line_item_id", t, ["line_item_id"])
    op.create_index("ix_promotion_claims_order_id", t, ["order_id"])
    op.create_index("ix_promotion_claims_promotion_id_id", t, ["promotion_id", "id"])


def downgrade() -> None:
    op.drop_table("promotion_claims")
    op.drop_table("promotion_buyer_uses")
    op.drop_index("ix_promotions_sku_id_ends_at", table_name="promotions")
    op.drop_index("ix_promotions_shop_id_id", table_name="promotions")
    op.drop_table("promotions")
