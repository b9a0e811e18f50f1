"""Stock per SKU per warehouse, and the movement ledger that always sums to it."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin


class StockLevel(IdMixin, Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("sku_id", "warehouse_id", name="uq_stock_levels_sku_warehouse"),
        CheckConstraint("available >= 0", name="available_non_negative"),
        CheckConstraint("committed >= 0", name="committed_non_negative"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    available: Mapped[int] = mapped_column(default=0)
    committed: Mapped[int] = mapped_column(default=0)


class InventoryMovement(IdMixin, CreatedMixin, Base):
    """One row per stock change: the ledger. Sum of deltas == current level, always."""

    __tablename__ = "inventory_movements"
    __table_args__ = (
        CheckConstraint("available_after >= 0", name="available_after_non_negative"),
        CheckConstraint("committed_after >= 0", name="committed_after_non_negative"),
        Index("ix_inventory_movements_sku_id_id", "sku_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    delta_available: Mapped[int]
    delta_committed: Mapped[int] = mapped_column(default=0)
    available_after: Mapped[int]
    committed_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
