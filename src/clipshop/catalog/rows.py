"""Catalog's prebuilt statements (``core.rawsql``): the stock moves and movement rows of the
checkout's hot path (``holds``), and the read that picks a SKU's warehouse."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.batch import Query
from clipshop.models import InventoryMovement, StockLevel


def insert_movement(session: Session, row: Mapping[str, object]) -> None:
    """The movement row, written with the transaction's next statement or its COMMIT."""
    rawsql.insert(session, InventoryMovement.__table__, row)


_MOVE = rawsql.Statement(
    update(StockLevel)
    .where(
        StockLevel.sku_id == bindparam("sku"),
        StockLevel.warehouse_id == bindparam("warehouse"),
        StockLevel.available >= bindparam("take"),
        StockLevel.committed >= bindparam("give"),
    )
    .values(
        available=StockLevel.available - bindparam("take"),
        committed=StockLevel.committed + bindparam("take"),
    )
    .returning(StockLevel.available, StockLevel.committed)
)


def move(session: Session, sku_id: int, warehouse_id: int, take: int) -> tuple[int, int] | None:
    """available -= take, committed += take (a negative take gives back), if neither goes
    below zero: (available, committed) after, or None when short."""
    params = {"sku": sku_id, "warehouse": warehouse_id, "take": take, "give": -take}
    row = rawsql.run(session, _MOVE, params).first()
    return None if row is None else (int(row[0]), int(row[1]))


# The warehouse with the most of the SKU, if enough: read alone by ``pick``, inside the
# UPDATE by ``take_whole``.
_PICK = (
    select(StockLevel.warehouse_id)
    .where(StockLevel.sku_id == bindparam("sku"), StockLevel.available >= bindparam("take"))
    .order_by(StockLevel.available.desc(), StockLevel.warehouse_id)
    .limit(1)
)
_TAKE_WHOLE = rawsql.Statement(
    update(StockLevel)
    .where(
        StockLevel.sku_id == bindparam("sku"),
        StockLevel.warehouse_id == _PICK.scalar_subquery(),
        StockLevel.available >= bindparam("take"),
    )
    .values(
        available=StockLevel.available - bindparam("take"),
        committed=StockLevel.committed + bindparam("take"),
    )
    .returning(StockLevel.warehouse_id, StockLevel.available, StockLevel.committed)
)


def take_whole(session: Session, sku_id: int, quantity: int) -> tuple[int, int, int] | None:
    """The whole quantity from the warehouse that has the most, in one statement:
    (warehouse, available, committed) after, or None when no single warehouse has enough."""
    row = rawsql.run(session, _TAKE_WHOLE, {"sku": sku_id, "take": quantity}).first()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]))


_PICK_ROW = rawsql.Statement(_PICK)


def _picked(result: rawsql.Result) -> int | None:
    row = result.first()
    return int(row[0]) if row else None


def pick(sku_id: int, quantity: int) -> Query[int | None]:
    """The warehouse that has the whole quantity right now (a plain read, no lock)."""
    return Query(_PICK_ROW, {"sku": sku_id, "take": quantity}, _picked)
