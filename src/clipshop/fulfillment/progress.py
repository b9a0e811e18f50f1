"""An order's status follows its packages (DOMAIN.md, "Order lifecycle"):

- some items in a package, not all         -> PARTIALLY_SHIPPING
- every item in a package, not all collected -> AWAITING_COLLECTION
- every package collected, not all delivered -> IN_TRANSIT
- every package delivered                    -> DELIVERED

Orders only move forward; when events arrive out of order (a "delivered" before the first
scan), the order walks through the statuses in between, each move through ``transition``.
Lines cancelled on request (``aftersales.cancellations`` announces ``OrderLinesCancelled``)
move the order on too: the handler at the end."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.events import OrderLinesCancelled
from clipshop.models import Order, OrderLineItem, Package
from clipshop.orders.states import ALLOWED, Actor, OrderStatus
from clipshop.orders.transitions import transition

S = OrderStatus
RANK = {
    S.AWAITING_SHIPMENT: 0,
    S.PARTIALLY_SHIPPING: 1,
    S.AWAITING_COLLECTION: 2,
    S.IN_TRANSIT: 3,
    S.DELIVERED: 4,
}
ACTOR_FOR = {
    S.PARTIALLY_SHIPPING: Actor.SELLER,
    S.AWAITING_COLLECTION: Actor.SELLER,
    S.IN_TRANSIT: Actor.CARRIER,
    S.DELIVERED: Actor.CARRIER,
}


def target_status(line_packages: list[int | None], packages: dict[int, Package]) -> OrderStatus:
    if not any(line_packages):
        return S.AWAITING_SHIPMENT
    if not all(line_packages):
        return S.PARTIALLY_SHIPPING
    statuses = {packages[p].status for p in line_packages if p is not None}
    statuses.discard("CANCELLED")
    if statuses and statuses <= {"COMPLETED"}:
        return S.DELIVERED
    if statuses and statuses <= {"FULFILLING", "COMPLETED"}:
        return S.IN_TRANSIT
    return S.AWAITING_COLLECTION


def sync_order(session: Session, order: Order, reason: str, actor_id: int | None = None) -> None:
    """Move ``order`` forward to the status its packages call for."""
    current = OrderStatus(order.status)
    if current not in RANK:
        return  # not in fulfilment (on hold, cancelled, completed...)
    lines = session.scalars(
        select(OrderLineItem).where(
            OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED"
        )
    ).all()
    package_ids = {line.package_id for line in lines if line.package_id is not None}
    packages = (
        {p.id: p for p in session.scalars(select(Package).where(Package.id.in_(package_ids)))}
        if package_ids
        else {}
    )
    target = target_status([line.package_id for line in lines], packages)
    while RANK[current] < RANK[target]:
        step = max(
            (s for s in ALLOWED[current] if s in RANK and RANK[s] <= RANK[target]),
            key=lambda s: RANK[s],
        )
        actor = ACTOR_FOR[step]
        transition(session, order, step, actor, actor_id if actor is Actor.SELLER else None, reason)
        current = step


@events.on(OrderLinesCancelled)
def _after_lines_cancelled(session: Session, event: OrderLinesCancelled) -> None:
    """Lines cancelled on request: the order's status follows the packages left (a whole
    cancelled order has nothing left to follow)."""
    if not event.order_cancelled:
        order = session.get_one(Order, event.order_id)  # held by the unit of work already
        sync_order(session, order, event.reason, event.actor_id)
