"""Stock levels per SKU per warehouse, changed only through the movement ledger.

Every change is one conditional atomic UPDATE (no read-then-write): an adjustment
``SET available = available + :delta WHERE ... AND available + :delta >= 0``; an absolute set is
a compare-and-swap on the current value (retried when the caller gave no expected value). The
resulting level comes back with RETURNING and is written into the movement row, so the ledger
always sums to the level. CHECK constraints make negative stock impossible even for a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from clipshop.catalog.holds import StockRow, stock_changed
from clipshop.catalog.listing import is_low
from clipshop.catalog.products import get_sku
from clipshop.catalog.shops import get_shop
from clipshop.core.db import insert_ignore
from clipshop.core.errors import InsufficientStock, NotFound, StockMismatch
from clipshop.core.events import announce
from clipshop.core.ids import new_id
from clipshop.core.pagination import Page, PageRequest, make_page, paginate
from clipshop.identity.principal import Permission, Principal
from clipshop.models import InventoryMovement, Sku, StockLevel, Warehouse

MAX_CAS_RETRIES = 20


@dataclass(frozen=True)
class LevelChange:
    movement: InventoryMovement
    available: int
    committed: int


def _writable_sku(session: Session, principal: Principal, sku_id: int, warehouse_id: int) -> Sku:
    sku = get_sku(session, principal, sku_id)
    principal.require(Permission.CATALOG_WRITE)
    owner = session.scalar(select(Warehouse.shop_id).where(Warehouse.id == warehouse_id))
    if owner != sku.shop_id:
        raise NotFound("warehouse not found")
    return sku


def _ensure_level(session: Session, sku: Sku, warehouse_id: int) -> None:
    insert_ignore(
        session,
        StockLevel.__table__,
        {
            "id": new_id(),
            "shop_id": sku.shop_id,
            "sku_id": sku.id,
            "warehouse_id": warehouse_id,
            "available": 0,
            "committed": 0,
        },
        ["sku_id", "warehouse_id"],
    )


def _where(sku_id: int, warehouse_id: int) -> ColumnElement[bool]:
    return and_(StockLevel.sku_id == sku_id, StockLevel.warehouse_id == warehouse_id)


def _record(
    session: Session,
    sku: Sku,
    warehouse_id: int,
    delta: int,
    available: int,
    committed: int,
    reason: str,
    note: str,
    actor: int | None,
) -> LevelChange:
    movement = InventoryMovement(
        shop_id=sku.shop_id,
        sku_id=sku.id,
        warehouse_id=warehouse_id,
        delta_available=delta,
        delta_committed=0,
        available_after=available,
        committed_after=committed,
        reason=reason,
        note=note,
        actor_user_id=actor,
    )
    session.add(movement)
    session.flush()
    if delta:
        at = StockRow(sku.shop_id, sku.id, warehouse_id)
        announce(session, stock_changed(at, available, delta, reason))
    return LevelChange(movement, available, committed)


def adjust_stock(
    session: Session,
    principal: Principal,
    sku_id: int,
    warehouse_id: int,
    delta: int,
    reason: str = "ADJUST",
    note: str = "",
) -> LevelChange:
    sku = _writable_sku(session, principal, sku_id, warehouse_id)
    _ensure_level(session, sku, warehouse_id)
    row = session.execute(
        update(StockLevel)
        .where(_where(sku.id, warehouse_id), StockLevel.available + delta >= 0)
        .values(available=StockLevel.available + delta)
        .returning(StockLevel.available, StockLevel.committed)
    ).one_or_none()
    if row is None:
        current = session.scalar(select(StockLevel.available).where(_where(sku.id, warehouse_id)))
        raise InsufficientStock(
            f"cannot remove {-delta} units: only {current} available in this warehouse",
            sku_id=str(sku.id),
            available=current,
        )
    return _record(
        session,
        sku,
        warehouse_id,
        delta,
        row.available,
        row.committed,
        reason,
        note,
        principal.user_id,
    )


def set_stock(
    session: Session,
    principal: Principal,
    sku_id: int,
    warehouse_id: int,
    available: int,
    expected: int | None = None,
    note: str = "",
) -> LevelChange:
    sku = _writable_sku(session, principal, sku_id, warehouse_id)
    _ensure_level(session, sku, warehouse_id)
    for _ in range(MAX_CAS_RETRIES):
        current = session.scalar(select(StockLevel.available).where(_where(sku.id, warehouse_id)))
        assert current is not None
        if expected is not None and current != expected:
            raise StockMismatch(
                f"expected {expected} available but there are {current}", available=current
            )
        row = session.execute(
            update(StockLevel)
            .where(_where(sku.id, warehouse_id), StockLevel.available == current)
            .values(available=available)
            .returning(StockLevel.available, StockLevel.committed)
        ).one_or_none()
        if row is not None:
            return _record(
                session,
                sku,
                warehouse_id,
                available - current,
                row.available,
                row.committed,
                "SET",
                note,
                principal.user_id,
            )
    raise StockMismatch("stock kept changing while being set; try again")


@dataclass(frozen=True)
class SkuStock:
    sku: Sku
    levels: list[StockLevel]

    @property
    def total_available(self) -> int:
        return sum(level.available for level in self.levels)

    @property
    def total_committed(self) -> int:
        return sum(level.committed for level in self.levels)

    @property
    def low_stock(self) -> bool:
        return is_low(self.sku, self.total_available)


def sku_stock(session: Session, principal: Principal, sku_id: int) -> SkuStock:
    sku = get_sku(session, principal, sku_id)
    stmt = select(StockLevel).where(StockLevel.sku_id == sku.id).order_by(StockLevel.id)
    return SkuStock(sku, list(session.scalars(stmt)))


def list_movements(
    session: Session, principal: Principal, sku_id: int, page: PageRequest
) -> Page[InventoryMovement]:
    sku = get_sku(session, principal, sku_id)
    stmt = select(InventoryMovement).where(InventoryMovement.sku_id == sku.id)
    return paginate(session, stmt, InventoryMovement.id, page)


def low_stock(
    session: Session, principal: Principal, shop_id: int, page: PageRequest
) -> Page[tuple[Sku, int]]:
    """SKUs of a shop whose total available stock is below their threshold, newest first."""
    get_shop(session, principal, shop_id)
    total = func.coalesce(func.sum(StockLevel.available), 0)
    stmt = (
        select(Sku, total.label("total"))
        .outerjoin(StockLevel, StockLevel.sku_id == Sku.id)
        .where(Sku.shop_id == shop_id, Sku.low_stock_threshold.is_not(None))
        .group_by(Sku.id)
        .having(total < Sku.low_stock_threshold)
        .order_by(Sku.id.desc())
        .limit(page.limit + 1)
    )
    if page.after_id is not None:
        stmt = stmt.where(Sku.id < page.after_id)
    rows = [(sku, int(t)) for sku, t in session.execute(stmt).all()]
    return make_page(rows, page, lambda row: row[0].id)
