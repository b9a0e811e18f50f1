"""Low-stock rules: a SKU whose total available stock is below its threshold is "low";
with ``auto_delist`` it is also taken off sale until stock is back at the threshold."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.models import Sku, StockLevel


def total_available(session: Session, sku_id: int) -> int:
    stmt = select(func.coalesce(func.sum(StockLevel.available), 0)).where(
        StockLevel.sku_id == sku_id
    )
    return int(session.scalar(stmt) or 0)


def is_low(sku: Sku, available: int) -> bool:
    return sku.low_stock_threshold is not None and available < sku.low_stock_threshold


def refresh_listing(session: Session, sku: Sku) -> None:
    """Set or clear the automatic delisting after a stock or threshold change."""
    # ``sku`` was read before the caller's stock UPDATE waited for any concurrent change of the
    # level; re-read the rule and the flag so a change committed since then is not overwritten
    # (or left stale) from an old copy.
    session.refresh(sku, ["auto_delist", "low_stock_threshold", "delisted_low_stock"])
    delist = sku.auto_delist and is_low(sku, total_available(session, sku.id))
    if sku.delisted_low_stock != delist:
        sku.delisted_low_stock = delist
        session.flush()
