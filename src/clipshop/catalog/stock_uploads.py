"""Set many stock levels at once from a CSV file (the seller's stock count or export).

Columns: ``seller_sku`` or ``sku_id`` (at least one; both must then name the same SKU),
optionally ``warehouse_id`` (blank or absent: the shop's default warehouse) and ``quantity``
(the new available quantity, absolute). Each row sets one level through
``inventory.set_stock`` (its movement and ``stock.changed`` event) inside a SAVEPOINT, so a
refused row changes nothing and the good rows are applied in the caller's unit of work. A SKU
or warehouse of another shop is unknown (``not_found``), like an id that does not exist. Two
rows for the same SKU and warehouse are both refused (``duplicate_row``): which one wins would
be a guess. Problems with the file itself refuse it whole (``core.csvrows``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog import inventory
from clipshop.catalog.shops import get_shop_for_write
from clipshop.catalog.warehouses import default_warehouse_id
from clipshop.core.csvrows import CsvRow, read_rows
from clipshop.core.errors import DomainError, InvalidInput, NotFound
from clipshop.core.ids import parse_id
from clipshop.identity.principal import Principal
from clipshop.models import Sku, Warehouse

REQUIRED = (("seller_sku", "sku_id"), "quantity")
OPTIONAL = ("warehouse_id",)
MAX_QUANTITY = 10_000_000
NOTE = "CSV import"


@dataclass(frozen=True)
class StockRowResult:
    line: int  # the file's line (the header is line 1)
    sku: str  # the SKU as the row names it
    quantity: str
    sku_id: int | None = None
    warehouse_id: int | None = None
    available: int | None = None  # after the row was applied
    delta: int | None = None
    code: str | None = None
    message: str | None = None

    @property
    def status(self) -> str:
        return "OK" if self.code is None else "ERROR"


@dataclass(frozen=True)
class _Target:
    sku_id: int
    warehouse_id: int
    quantity: int


class _Shop:
    """The shop's SKUs and warehouses the rows name, read once."""

    def __init__(self, session: Session, shop_id: int, rows: list[CsvRow]) -> None:
        codes = {r.values.get("seller_sku", "") for r in rows} - {""}
        by_code = select(Sku.seller_sku, Sku.id).where(
            Sku.shop_id == shop_id, Sku.seller_sku.in_(codes)
        )
        self.by_code: dict[str, int] = {
            code: sku_id for code, sku_id in (session.execute(by_code) if codes else ())
        }
        ids = {_id_or_none(r.values.get("sku_id", "")) for r in rows} - {None}
        self.skus = set(self.by_code.values()) | set(
            session.scalars(select(Sku.id).where(Sku.shop_id == shop_id, Sku.id.in_(ids)))
            if ids
            else ()
        )
        self.warehouses = set(
            session.scalars(select(Warehouse.id).where(Warehouse.shop_id == shop_id))
        )
        self.default = default_warehouse_id(session, shop_id)


def _id_or_none(text: str) -> int | None:
    try:
        return parse_id(text)
    except ValueError:
        return None


def _id(text: str, column: str) -> int:
    try:
        return parse_id(text)
    except ValueError:
        raise InvalidInput(f"{column} must be an id", code="invalid_row") from None


def _target(row: CsvRow, shop: _Shop) -> _Target:
    """The row as a level to set; a DomainError naming what is wrong with it."""
    if row.width_error:
        raise InvalidInput(row.width_error, code="invalid_row")
    values = row.values
    code, raw_id = values.get("seller_sku", ""), values.get("sku_id", "")
    if not code and not raw_id:
        raise InvalidInput("seller_sku or sku_id is empty", code="invalid_row")
    sku_id = _id(raw_id, "sku_id") if raw_id else None
    if code:
        found = shop.by_code.get(code)
        if found is None:
            raise NotFound(f"no SKU {code!r} in this shop")
        if sku_id is not None and sku_id != found:
            raise InvalidInput(
                f"seller_sku {code!r} is SKU {found}, not {sku_id}", code="invalid_row"
            )
        sku_id = found
    assert sku_id is not None
    if sku_id not in shop.skus:
        raise NotFound(f"no SKU {sku_id} in this shop")
    raw_wh = values.get("warehouse_id", "")
    if raw_wh:
        warehouse_id = _id(raw_wh, "warehouse_id")
        if warehouse_id not in shop.warehouses:
            raise NotFound(f"no warehouse {warehouse_id} in this shop")
    elif shop.default is None:
        raise InvalidInput("the shop has no default warehouse: name one", code="invalid_row")
    else:
        warehouse_id = shop.default
    text = values["quantity"]
    if not text.isdigit() or int(text) > MAX_QUANTITY:
        raise InvalidInput(
            f"quantity must be a whole number of units from 0 to {MAX_QUANTITY}",
            code="invalid_quantity",
        )
    return _Target(sku_id, warehouse_id, int(text))


def upload_stock(
    session: Session, principal: Principal, shop_id: int, data: bytes
) -> list[StockRowResult]:
    """Each row's result, in the file's order; the good rows are set, the others change
    nothing."""
    get_shop_for_write(session, principal, shop_id)
    rows = read_rows(data, REQUIRED, OPTIONAL)
    shop = _Shop(session, shop_id, rows)
    targets: dict[int, _Target | DomainError] = {}
    for row in rows:
        try:
            targets[row.line] = _target(row, shop)
        except DomainError as exc:
            targets[row.line] = exc
    places = [(t.sku_id, t.warehouse_id) for t in targets.values() if isinstance(t, _Target)]
    for line, target in targets.items():
        if isinstance(target, _Target) and places.count((target.sku_id, target.warehouse_id)) > 1:
            targets[line] = InvalidInput(
                f"another row also sets SKU {target.sku_id} in warehouse {target.warehouse_id}",
                code="duplicate_row",
            )
    # In (SKU, warehouse) order, so two uploads touching the same levels queue, not deadlock.
    good = sorted(
        ((line, t) for line, t in targets.items() if isinstance(t, _Target)),
        key=lambda item: (item[1].sku_id, item[1].warehouse_id),
    )
    changes: dict[int, inventory.LevelChange | DomainError] = {}
    for line, target in good:
        try:
            with session.begin_nested():
                changes[line] = inventory.set_stock(
                    session,
                    principal,
                    target.sku_id,
                    target.warehouse_id,
                    target.quantity,
                    note=NOTE,
                )
        except DomainError as exc:
            changes[line] = exc
    return [_result(row, targets[row.line], changes.get(row.line)) for row in rows]


def _result(
    row: CsvRow, target: _Target | DomainError, change: inventory.LevelChange | DomainError | None
) -> StockRowResult:
    named = row.values.get("seller_sku") or row.values.get("sku_id", "")
    quantity = row.values["quantity"]
    problem = change if isinstance(change, DomainError) else target
    if isinstance(problem, DomainError):
        return StockRowResult(row.line, named, quantity, code=problem.code, message=problem.detail)
    assert isinstance(target, _Target) and isinstance(change, inventory.LevelChange)
    return StockRowResult(
        row.line,
        named,
        quantity,
        target.sku_id,
        target.warehouse_id,
        change.available,
        change.movement.delta_available,
    )
