"""Shops, warehouses, products and SKUs. Every seller-owned row carries ``shop_id``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

SHOP_TYPES = ("LOCAL", "CROSS_BORDER")
PRODUCT_STATUSES = ("ACTIVE", "INACTIVE")


class Shop(IdMixin, CreatedMixin, Base):
    __tablename__ = "shops"
    __table_args__ = (
        CheckConstraint(f"shop_type IN {SHOP_TYPES!r}", name="shop_type"),
        CheckConstraint(
            "standing IN ('GOOD', 'WARNING', 'RESTRICTED', 'SUSPENDED')", name="standing"
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    shop_type: Mapped[str] = mapped_column(String(20))
    verified: Mapped[bool] = mapped_column(default=False)
    # Seller performance enforcement (standing.performance): GOOD, WARNING after a breach,
    # RESTRICTED (no new promotions) after repeated breaches, SUSPENDED past the limit.
    standing: Mapped[str] = mapped_column(String(12), default="GOOD", server_default="GOOD")
    breach_count: Mapped[int] = mapped_column(default=0, server_default="0")
    standing_changed_at: Mapped[datetime | None]


class Warehouse(IdMixin, CreatedMixin, Base):
    __tablename__ = "warehouses"

    __table_args__ = (
        Index(
            "uq_warehouses_one_default",
            "shop_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(default=False)


class Product(IdMixin, CreatedMixin, Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint(f"status IN {PRODUCT_STATUSES!r}", name="status"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Sku(IdMixin, CreatedMixin, Base):
    __tablename__ = "skus"
    __table_args__ = (
        UniqueConstraint("shop_id", "seller_sku", name="uq_skus_shop_seller_sku"),
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("weight_grams >= 0", name="weight_non_negative"),
        CheckConstraint(
            "low_stock_threshold IS NULL OR low_stock_threshold >= 0", name="threshold_non_negative"
        ),
        Index("ix_skus_product_id", "product_id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    seller_sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    price: Mapped[int]  # minor units of the shop's currency
    currency: Mapped[str] = mapped_column(String(3))
    weight_grams: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    low_stock_threshold: Mapped[int | None]
    auto_delist: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
