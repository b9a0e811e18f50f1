"""Order edits: the seller proposes, the buyer accepts or declines, the seller may withdraw.

A proposal lists changes to an order awaiting shipment, nothing of it packed:

- ``REMOVE`` a line item: it is cancelled (reason: the edit) and its unit goes back to stock;
- ``SWAP`` a line item to another SKU of the same product (size, colour): the new SKU is held,
  the old one released, and the line takes the new SKU's price as checkout prices it now
  (price, best active seller discount), keeping its share of the platform voucher up to the
  new price;
- ``ADD`` one more unit of a SKU already in the order, at today's price (no voucher share).

Tax is recomputed for the changed lines at the order's destination; the shipping fee stays as
paid (the seller proposed the change, so a heavier parcel is the seller's cost). The order's
totals are recomputed from its lines, and the difference is charged or refunded like an
address change (``orders/changes.py``). One proposal may be open per order at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog import holds, listing
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import DomainError, InsufficientStock, NotFound
from clipshop.core.ids import new_id
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import Order, OrderEdit, OrderLineItem, Sku
from clipshop.orders import changes, queries
from clipshop.orders.changes import Totals, Unit
from clipshop.orders.errors import EditNotOpen, EditPending, EditRemovesEverything, InvalidEdit
from clipshop.orders.states import Actor
from clipshop.orders.transitions import record_event
from clipshop.payments import ledger
from clipshop.payments.gateway import PaymentGateway
from clipshop.pricing import quotes, tax

ACTIONS = ("REMOVE", "SWAP", "ADD")


@dataclass(frozen=True)
class NewUnit(Unit):
    """A swapped or added line: its SKU and prices."""

    sku: Sku = field(compare=False, kw_only=True)
    product_name: str = field(kw_only=True)


@dataclass
class EditPlan:
    edit_id: int | None
    removes: list[OrderLineItem]
    swaps: list[tuple[OrderLineItem, NewUnit]]
    adds: list[NewUnit]
    totals: Totals
    difference: int

    def stock_moves(self) -> tuple[dict[int, list[tuple[int, int]]], Counter[int]]:
        """Per SKU: the units to release [(warehouse, n)] and the units to hold."""
        releases: dict[int, Counter[int]] = defaultdict(Counter)
        for line in [*self.removes, *(line for line, _ in self.swaps)]:
            releases[line.sku_id][line.warehouse_id] += 1
        wanted = Counter(u.sku.id for u in [*(new for _, new in self.swaps), *self.adds])
        return {s: sorted(c.items()) for s, c in releases.items()}, wanted


def normalise(changes_in: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Stored form of a proposal's changes: ids as decimal strings."""
    keys = {"REMOVE": ("line_item_id",), "SWAP": ("line_item_id", "new_sku_id"), "ADD": ("sku_id",)}
    result = []
    for change in changes_in:
        action = change["action"]
        result.append({"action": action, **{k: str(change[k]) for k in keys[action]}})
    return result


def _line(by_id: dict[int, OrderLineItem], raw: str, touched: set[int]) -> OrderLineItem:
    line_id = int(raw)
    line = by_id.get(line_id)
    if line is None:
        raise InvalidEdit(
            f"line item {line_id} is not an open item of this order", line_item_id=str(line_id)
        )
    if line_id in touched:
        raise InvalidEdit(
            f"line item {line_id} appears in more than one change", line_item_id=str(line_id)
        )
    touched.add(line_id)
    return line


def plan_edit(
    session: Session, order: Order, edit_changes: list[dict[str, str]], edit_id: int | None
) -> EditPlan:
    """Validate and price ``edit_changes`` against the order as it is now. Reads only."""
    lines = changes.active_lines(session, order.id)
    changes.check_changeable(order, lines, edit=True)
    by_id = {line.id: line for line in lines}
    in_order = {line.sku_id for line in lines}
    touched: set[int] = set()
    removes: list[OrderLineItem] = []
    swaps: list[tuple[OrderLineItem, int]] = []
    adds: list[int] = []
    for change in edit_changes:
        action = change["action"]
        if action == "REMOVE":
            removes.append(_line(by_id, change["line_item_id"], touched))
        elif action == "SWAP":
            swaps.append((_line(by_id, change["line_item_id"], touched), int(change["new_sku_id"])))
        else:
            sku_id = int(change["sku_id"])
            if sku_id not in in_order:
                raise InvalidEdit(
                    f"sku {sku_id} is not in this order: only SKUs already ordered can be added",
                    sku_id=str(sku_id),
                )
            adds.append(sku_id)
    if len(lines) - len(removes) + len(adds) == 0:
        raise EditRemovesEverything(
            "an edit cannot remove every item: that is a cancellation of the order"
        )
    wanted = sorted({sku_id for _, sku_id in swaps} | set(adds))
    found = quotes.sellable_skus(session, wanted) if wanted else {}
    for line, sku_id in swaps:
        sku = found[sku_id][0]
        if (
            sku.product_id != line.product_id
            or sku.shop_id != order.shop_id
            or sku.id == line.sku_id
        ):
            raise InvalidEdit(
                f"line item {line.id} can only be swapped to another SKU of the same product",
                line_item_id=str(line.id),
                sku_id=str(sku_id),
            )
    prices = quotes.unit_prices(session, [sku for sku, _ in found.values()])
    address = order.recipient_address
    rate = tax.rate_for(session, address["country"], address.get("state"))

    def unit(sku_id: int, voucher_share: int) -> NewUnit:
        sku, product = found[sku_id]
        original, cut = prices[sku_id]
        platform = min(voucher_share, original - cut)
        return NewUnit(
            original,
            cut,
            platform,
            tax.line_tax(original - cut - platform, order.currency, rate),
            sku=sku,
            product_name=product.title,
        )

    new_swaps = [(line, unit(sku_id, line.platform_discount)) for line, sku_id in swaps]
    new_adds = [unit(sku_id, 0) for sku_id in adds]
    kept = [line for line in lines if line.id not in touched]
    totals = changes.keep_shipping([*kept, *(u for _, u in new_swaps), *new_adds], order)
    return EditPlan(
        edit_id, removes, new_swaps, new_adds, totals, totals.total_amount - order.total_amount
    )


def check_stock(session: Session, plan: EditPlan) -> None:
    """Before charging: refuse at once what is visibly sold out (holding re-checks)."""
    releases, wanted = plan.stock_moves()
    available = listing.totals(session, wanted)
    for sku_id in sorted(wanted):
        back = sum(n for _, n in releases.get(sku_id, []))
        if available[sku_id] + back < wanted[sku_id]:
            raise InsufficientStock(
                f"sku {sku_id} is sold out (needs {wanted[sku_id]})",
                code="sold_out",
                sku_id=str(sku_id),
            )


def _move_stock(session: Session, order: Order, plan: EditPlan, actor_id: int) -> list[int]:
    """Release and hold, SKUs in ascending id order (the fixed lock order); releases of a
    SKU first, so a unit given back can be taken again. Returns the warehouse of each held
    unit, in the order of the plan's swaps then adds. Raises ``sold_out``."""
    releases, wanted = plan.stock_moves()
    note = f"order {order.id} edit {plan.edit_id}"
    taken: dict[int, list[int]] = {}
    for sku_id in sorted(set(releases) | set(wanted)):
        for warehouse_id, n in releases.get(sku_id, []):
            at = holds.StockRow(order.shop_id, sku_id, warehouse_id)
            holds.release(session, at, n, note, actor_id)
        if wanted[sku_id]:
            got = holds.hold(session, order.shop_id, sku_id, wanted[sku_id], note, actor_id)
            taken[sku_id] = [wh for wh, n in got for _ in range(n)]
    new_units = [*(u for _, u in plan.swaps), *plan.adds]
    return [taken[u.sku.id].pop(0) for u in new_units]


def apply_edit(session: Session, order: Order, plan: EditPlan, buyer_id: int) -> None:
    assert plan.edit_id is not None
    edit = session.get_one(OrderEdit, plan.edit_id)
    note = changes.money_note(order.total_amount, plan.totals.total_amount, order.currency)
    warehouses = iter(_move_stock(session, order, plan, buyer_id))
    reason = ledger.clip(f"removed by order edit {edit.id}")
    for line in plan.removes:
        line.status = "CANCELLED"
        line.cancel_reason = reason
    for line, new in plan.swaps:
        _set_unit(line, new, next(warehouses))
    for new in plan.adds:
        line = OrderLineItem(
            id=new_id(),
            order_id=order.id,
            shop_id=order.shop_id,
            product_id=new.sku.product_id,
            currency=order.currency,
            status=order.status,
        )
        _set_unit(line, new, next(warehouses))
        session.add(line)
    plan.totals.apply(order)
    edit.status = "ACCEPTED"
    edit.decided_at = utcnow()
    edit.decided_by = buyer_id
    edit.amount_change = plan.difference
    record_event(
        session, order, "EDIT_ACCEPTED", Actor.BUYER, buyer_id, f"edit {edit.id} applied; {note}"
    )
    session.flush()


def _set_unit(line: OrderLineItem, new: NewUnit, warehouse_id: int) -> None:
    line.sku_id = new.sku.id
    line.seller_sku = new.sku.seller_sku
    line.sku_name = new.sku.name
    line.product_name = new.product_name
    line.warehouse_id = warehouse_id
    line.original_price = new.original_price
    line.seller_discount = new.seller_discount
    line.platform_discount = new.platform_discount
    line.sale_price = new.sale_price
    line.tax = new.tax


# -- use cases -----------------------------------------------------------------------------


def _edit_of(session: Session, order: Order, edit_id: int) -> OrderEdit:
    edit = session.get(OrderEdit, edit_id, populate_existing=True)
    if edit is None or edit.order_id != order.id:
        raise NotFound("edit not found")
    return edit


def _open(edit: OrderEdit) -> None:
    if edit.status != "PROPOSED":
        raise EditNotOpen(f"edit {edit.id} is {edit.status}, no longer open")


def _seller_actor(principal: Principal) -> Actor:
    return Actor.SELLER if principal.role is Role.SELLER else Actor.OPERATOR


def _summary(edit_changes: list[dict[str, str]]) -> str:
    counts = Counter(c["action"] for c in edit_changes)
    return ", ".join(f"{a.lower()} {counts[a]}" for a in ACTIONS if counts[a])


def propose(
    db: Database, principal: Principal, order_id: int, edit_changes: list[dict[str, Any]], note: str
) -> int:
    """A PROPOSED edit; returns its id."""
    principal.require(Permission.FULFILL)
    stored = normalise(edit_changes)
    with db.unit_of_work() as session:
        order = changes.lock_order(session, principal, order_id)
        changes.check_changeable(order, changes.active_lines(session, order.id), edit=True)
        open_edit = session.scalar(
            select(OrderEdit.id).where(
                OrderEdit.order_id == order.id, OrderEdit.status == "PROPOSED"
            )
        )
        if open_edit is not None:
            raise EditPending(
                f"edit {open_edit} is still waiting for the buyer: withdraw it first",
                edit_id=str(open_edit),
            )
        plan_edit(session, order, stored, None)
        edit = OrderEdit(
            id=new_id(),
            order_id=order.id,
            shop_id=order.shop_id,
            status="PROPOSED",
            changes=stored,
            note=note,
            proposed_by=principal.user_id,
        )
        session.add(edit)
        text = f"edit {edit.id} proposed: {_summary(stored)}"
        record_event(
            session,
            order,
            "EDIT_PROPOSED",
            _seller_actor(principal),
            principal.user_id,
            ledger.clip(f"{text}; {note}" if note else text, 500),
        )
        session.flush()
        return edit.id


def accept(
    db: Database, gateway: PaymentGateway, principal: Principal, order_id: int, edit_id: int
) -> int:
    """Apply the edit, with its money; returns what was charged (+) or refunded (-)."""
    changes.require_buyer(principal, "accept an edit of its order")

    def plan(session: Session, order: Order) -> EditPlan:
        edit = _edit_of(session, order, edit_id)
        _open(edit)
        return plan_edit(session, order, edit.changes, edit.id)

    change: changes.Change[EditPlan] = changes.Change(
        load=lambda session: changes.lock_order(session, principal, order_id),
        plan=plan,
        apply=lambda session, order, p: apply_edit(session, order, p, principal.user_id),
        what=f"order edit {edit_id}",
        buyer_id=principal.user_id,
        precheck=check_stock,
    )
    return changes.run_change(db, gateway, change)


def decline(db: Database, principal: Principal, order_id: int, edit_id: int, reason: str) -> None:
    changes.require_buyer(principal, "decline an edit of its order")
    with db.unit_of_work() as session:
        order = changes.lock_order(session, principal, order_id)
        _close(session, order, edit_id, "DECLINED", Actor.BUYER, principal, reason)


def withdraw(db: Database, principal: Principal, order_id: int, edit_id: int) -> None:
    principal.require(Permission.FULFILL)
    with db.unit_of_work() as session:
        order = changes.lock_order(session, principal, order_id)
        _close(session, order, edit_id, "WITHDRAWN", _seller_actor(principal), principal, "")


def _close(
    session: Session,
    order: Order,
    edit_id: int,
    status: str,
    actor: Actor,
    principal: Principal,
    reason: str,
) -> None:
    edit = _edit_of(session, order, edit_id)
    _open(edit)
    edit.status = status
    edit.decided_at = utcnow()
    edit.decided_by = principal.user_id
    edit.decision_note = reason or None
    text = f"edit {edit.id} {status.lower()}"
    record_event(
        session,
        order,
        f"EDIT_{status}",
        actor,
        principal.user_id,
        ledger.clip(f"{text}: {reason}" if reason else text, 500),
    )
    session.flush()


@dataclass(frozen=True)
class Preview:
    """What accepting an open edit would do now."""

    total_amount: int
    difference: int


def list_edits(
    session: Session, principal: Principal, order_id: int
) -> tuple[Order, list[tuple[OrderEdit, Preview | None]]]:
    order = queries.get_order(session, principal, order_id)
    edits = session.scalars(
        select(OrderEdit).where(OrderEdit.order_id == order.id).order_by(OrderEdit.id.desc())
    ).all()
    return order, [(e, preview(session, order, e)) for e in edits]


def preview(session: Session, order: Order, edit: OrderEdit) -> Preview | None:
    if edit.status != "PROPOSED":
        return None
    try:
        plan = plan_edit(session, order, edit.changes, edit.id)
    except DomainError:
        return None  # no longer possible as it stands (shipped, sold out of sale, ...)
    return Preview(plan.totals.total_amount, plan.difference)


def read_edit(
    db: Database, principal: Principal, order_id: int, edit_id: int
) -> tuple[OrderEdit, str, Preview | None]:
    """The edit, the order's currency, and (while open) what accepting it would do now."""
    with db.unit_of_work(write=False) as session:
        order = queries.get_order(session, principal, order_id)
        edit = _edit_of(session, order, edit_id)
        return edit, order.currency, preview(session, order, edit)
