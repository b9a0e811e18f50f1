"""creators affiliate: live pins, video tags, affiliate offers and invitations, showcases and
the commission per order line (docs/creators.md)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None

RATE = "rate_bps >= 0 AND rate_bps <= 10000"
INDEXES: dict[str, list[tuple[str, ...]]] = {
    "affiliate_invitations": [("creator_id", "id"), ("shop_id", "id")],
    "affiliate_offers": [("shop_id", "id")],
    "affiliate_commissions": [("creator_id", "id"), ("order_id",), ("shop_id", "id")],
}


def _id(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _ck(table: str, name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def _table(name: str, refs: dict[str, str], *items: Any, created: bool = True) -> None:
    """A table with ``refs`` (column -> referenced table) first, then ``items``, its id (and
    created_at), the foreign keys and the primary key."""
    op.create_table(
        name,
        *[_id(column) for column in refs],
        *[item for item in items if isinstance(item, sa.Column)],
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        *([_when("created_at")] if created else []),
        *[item for item in items if not isinstance(item, sa.Column)],
        *[_fk(name, column, target) for column, target in refs.items()],
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    for columns in INDEXES.get(name, []):
        op.create_index(f"ix_{name}_{'_'.join(columns)}", name, list(columns))


def _status(table: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return _ck(table, "status", f"status IN {values!r}")


def upgrade() -> None:
    _table(
        "affiliate_invitations",
        {"shop_id": "shops", "product_id": "products", "creator_id": "users"},
        _id("rate_bps"),
        sa.Column("status", sa.String(length=10), nullable=False),
        _when("updated_at"),
        _status("affiliate_invitations", ("INVITED", "ACCEPTED", "DECLINED", "CLOSED")),
        _ck("affiliate_invitations", "rate", RATE),
        sa.UniqueConstraint(
            "product_id", "creator_id", name="uq_affiliate_invitations_product_id_creator_id"
        ),
    )
    _table(
        "affiliate_offers",
        {"shop_id": "shops", "product_id": "products"},
        _id("rate_bps"),
        sa.Column("status", sa.String(length=10), nullable=False),
        _when("updated_at"),
        _status("affiliate_offers", ("ACTIVE", "CLOSED")),
        _ck("affiliate_offers", "rate", RATE),
        sa.UniqueConstraint("product_id", name="uq_affiliate_offers_product_id"),
    )
    _table(
        "live_pins",
        {"live_id": "live_sessions", "product_id": "products", "shop_id": "shops"},
        _id("position"),
        _ck("live_pins", "position", "position >= 0"),
        sa.UniqueConstraint("live_id", "product_id", name="uq_live_pins_live_id_product_id"),
    )
    _table(
        "showcase_items",
        {"creator_id": "users", "product_id": "products", "shop_id": "shops"},
        sa.UniqueConstraint(
            "creator_id", "product_id", name="uq_showcase_items_creator_id_product_id"
        ),
    )
    _table(
        "video_products",
        {"video_id": "videos", "product_id": "products", "shop_id": "shops"},
        sa.UniqueConstraint("video_id", "product_id", name="uq_video_products_video_id_product_id"),
        created=False,
    )
    _table(
        "affiliate_commissions",
        {
            "creator_id": "users",
            "shop_id": "shops",
            "order_id": "orders",
            "line_item_id": "order_line_items",
            "product_id": "products",
        },
        sa.Column("source_type", sa.String(length=10), nullable=False),
        _id("source_id"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _id("base"),
        _id("rate_bps"),
        sa.Column("rate_kind", sa.String(length=10), nullable=False),
        _id("due"),
        _id("reversed"),
        sa.Column("status", sa.String(length=10), nullable=False),
        _when("placed_at"),
        _when("payable_at", nullable=True),
        _when("updated_at"),
        _status("affiliate_commissions", ("PENDING", "PAYABLE", "VOID")),
        _ck("affiliate_commissions", "amounts_non_negative", "base >= 0 AND due >= 0"),
        _ck("affiliate_commissions", "rate", RATE),
        _ck("affiliate_commissions", "reversed_cap", "reversed >= 0 AND reversed <= due"),
        sa.UniqueConstraint("line_item_id", name="uq_affiliate_commissions_line_item_id"),
    )


def downgrade() -> None:
    for name in (
        "affiliate_commissions",
        "video_products",
        "showcase_items",
        "live_pins",
        "affiliate_offers",
        "affiliate_invitations",
    ):
        for columns in INDEXES.get(name, []):
            op.drop_index(f"ix_{name}_{'_'.join(columns)}", table_name=name)
        op.drop_table(name)
