"""Low-stock rules, derived from the stock levels at read time (never stored, so never stale):
a SKU whose total available stock is below its threshold is "low"; with ``auto_delist`` it is
also off sale (not sellable) until its stock is back at the threshold."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.models import Sku, StockLevel


def totals(session: Session, sku_ids: Iterable[int]) -> dict[int, int]:
    """Total available stock per SKU over all its warehouses (0 for a SKU without stock)."""
    ids = list(sku_ids)
    result = dict.fromkeys(ids, 0)
    if ids:
        stmt = (
            select(StockLevel.sku_id, func.sum(StockLevel.available))
            .where(StockLevel.sku_id.in_(ids))
            .group_by(StockLevel.sku_id)
        )
        result.update({sku_id: int(total) for sku_id, total in session.execute(stmt).all()})
    return result


def total_available(session: Session, sku_id: int) -> int:
    return totals(session, [sku_id])[sku_id]


def is_low(sku: Sku, available: int) -> bool:
    return sku.low_stock_threshold is not None and available < sku.low_stock_threshold


def is_delisted(sku: Sku, available: int) -> bool:
    return sku.auto_delist and is_low(sku, available)


def is_sellable(sku: Sku, available: int) -> bool:
    return sku.active and not is_delisted(sku, available)
