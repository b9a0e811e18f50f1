"""Holding stock for orders: available moves to committed, all or nothing, no oversell.

``hold`` is a conditional atomic UPDATE per warehouse (``available >= :take``); a SKU's
quantity may be split over several warehouses, largest stock first. Callers hold SKUs in
ascending id order (one fixed lock order) and roll the whole transaction back on
``InsufficientStock``, so a failed checkout holds nothing.

Within a SKU the lock order is fixed too: a split locks every stock row of the SKU in
warehouse-id order before it takes anything. The one-row attempt that precedes it runs in a
savepoint that is rolled back when it fails, because a conditional UPDATE that waited for a
row and then found it short still holds that row's lock (PostgreSQL), and two checkouts each
holding one row while locking the others in order would deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.catalog import rows
from clipshop.core.batch import Query
from clipshop.core.clock import utcnow
from clipshop.core.errors import InsufficientStock
from clipshop.core.events import StockChanged, announce
from clipshop.models import StockLevel

SAVEPOINT = "stock_hold"


@dataclass(frozen=True)
class StockRow:
    """One SKU's stock in one warehouse (of a shop): what a hold, release or shipment moves."""

    shop_id: int
    sku_id: int
    warehouse_id: int


def _record(
    session: Session,
    at: StockRow,
    deltas: tuple[int, int],  # (available, committed)
    after: tuple[int, int],  # (available, committed) after the change
    reason: str,
    note: str,
    actor: int | None,
) -> None:
    """The movement row, and a change of available stock announced (``StockChanged``); both
    written with the transaction's next statement or its COMMIT."""
    row: dict[str, object] = {"shop_id": at.shop_id, "sku_id": at.sku_id}
    row |= {"warehouse_id": at.warehouse_id}
    row |= {"delta_available": deltas[0], "delta_committed": deltas[1]}
    row |= {"available_after": after[0], "committed_after": after[1]}
    row |= {"reason": reason, "note": note, "actor_user_id": actor}
    rows.insert_movement(session, row)
    if deltas[0]:
        announce(session, stock_changed(at, after[0], deltas[0], reason))


def stock_changed(at: StockRow, available: int, delta: int, reason: str) -> StockChanged:
    """The event of a change of available stock (``delta``) that left ``available``."""
    return StockChanged(
        shop_id=at.shop_id,
        sku_id=at.sku_id,
        warehouse_id=at.warehouse_id,
        available=available,
        delta=delta,
        reason=reason,
        at=utcnow(),
    )


def _move(
    session: Session, at: StockRow, take: int, reason: str, note: str, actor: int | None
) -> bool:
    """available -= take, committed += take (a negative take releases). False if short."""
    after = rows.move(session, at.sku_id, at.warehouse_id, take)
    if after is None:
        return False
    _record(session, at, (-take, take), after, reason, note, actor)
    return True


def _take_whole(
    session: Session, shop_id: int, sku_id: int, quantity: int, note: str, actor: int | None
) -> int | None:
    """The common case in one round trip: the whole quantity from the warehouse that has the
    most. Returns that warehouse, or None when no single warehouse has enough right now."""
    row = rows.take_whole(session, sku_id, quantity)
    if row is None:
        return None
    warehouse_id, available, committed = row
    at = StockRow(shop_id, sku_id, warehouse_id)
    _record(session, at, (-quantity, quantity), (available, committed), "ORDER_HOLD", note, actor)
    return int(warehouse_id)


class TakeLost(Exception):
    """``take`` found its warehouse short after all: roll back and hold the usual way."""


def pick_query(sku_id: int, quantity: int) -> Query[int | None]:
    """The warehouse that has the whole quantity right now, by a plain read (no lock), for
    callers that write their rows first and ``take`` the stock last (None: no warehouse
    has it)."""
    return rows.pick(sku_id, quantity)


def take(
    session: Session, at: StockRow, quantity: int, note: str = "", actor: int | None = None
) -> None:
    """Hold ``quantity`` from the warehouse ``pick_query`` chose, if it still has them (one
    conditional UPDATE); raises TakeLost when it no longer does: the caller's transaction
    must be rolled back (the UPDATE may still hold the row's lock)."""
    if not _move(session, at, quantity, "ORDER_HOLD", note, actor):
        raise TakeLost(f"sku {at.sku_id}: warehouse {at.warehouse_id} no longer has {quantity}")


def hold(
    session: Session,
    shop_id: int,
    sku_id: int,
    quantity: int,
    note: str = "",
    actor: int | None = None,
) -> list[tuple[int, int]]:
    """Hold ``quantity`` units of a SKU; returns [(warehouse_id, units)]. Raises when short.

    Movement rows are written with the transaction's next statement or its COMMIT
    (``core.rawsql``)."""
    with session.no_autoflush:
        # Left unreleased on success (released with the transaction): no extra round trip
        # while the hot row is locked.
        connection = session.connection()
        connection.exec_driver_sql(f"SAVEPOINT {SAVEPOINT}")
        whole = _take_whole(session, shop_id, sku_id, quantity, note, actor)
        if whole is not None:
            return [(whole, quantity)]
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")  # drops its row lock
        return _split(session, shop_id, sku_id, quantity, note, actor)


def _split(
    session: Session, shop_id: int, sku_id: int, quantity: int, note: str, actor: int | None
) -> list[tuple[int, int]]:
    """Lock all of the SKU's stock rows in warehouse-id order, then take the largest first."""
    levels = session.execute(
        select(StockLevel.warehouse_id, StockLevel.available)
        .where(StockLevel.sku_id == sku_id)
        .order_by(StockLevel.warehouse_id)
        .with_for_update()
    ).all()
    if sum(level.available for level in levels) < quantity:
        raise InsufficientStock(
            f"sku {sku_id} is sold out (asked for {quantity})", code="sold_out", sku_id=str(sku_id)
        )
    remaining = quantity
    taken: list[tuple[int, int]] = []
    for warehouse_id, available in sorted(levels, key=lambda lv: (-lv.available, lv.warehouse_id)):
        take = min(available, remaining)
        at = StockRow(shop_id, sku_id, warehouse_id)
        if not _move(session, at, take, "ORDER_HOLD", note, actor):
            raise AssertionError(f"stock row of sku {sku_id} changed while locked")
        taken.append((warehouse_id, take))
        remaining -= take
        if remaining == 0:
            break
    return taken


def release(
    session: Session, at: StockRow, quantity: int, note: str = "", actor: int | None = None
) -> None:
    """Give held units back to available (order cancelled or expired)."""
    if not _move(session, at, -quantity, "ORDER_RELEASE", note, actor):
        raise AssertionError(f"cannot release {quantity} of sku {at.sku_id}: not committed")


def ship(
    session: Session, at: StockRow, quantity: int, note: str = "", actor: int | None = None
) -> None:
    """Held units leave the warehouse in a package: committed goes down, available stays."""
    row = session.execute(
        update(StockLevel)
        .where(
            StockLevel.sku_id == at.sku_id,
            StockLevel.warehouse_id == at.warehouse_id,
            StockLevel.committed >= quantity,
        )
        .values(committed=StockLevel.committed - quantity)
        .returning(StockLevel.available, StockLevel.committed)
    ).one_or_none()
    if row is None:
        raise AssertionError(f"cannot ship {quantity} of sku {at.sku_id}: not committed")
    after = (row.available, row.committed)
    _record(session, at, (0, -quantity), after, "ORDER_SHIPPED", note, actor)
