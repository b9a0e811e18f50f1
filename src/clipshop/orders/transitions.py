"""The one function that changes an order's status: it appends the timeline event and
arms or disarms the deadlines the new status starts or ends (``orders.sla``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clipshop.core.clock import utcnow
from clipshop.models import Order, OrderEvent, OrderLineItem
from clipshop.orders import sla
from clipshop.orders.errors import InvalidTransition
from clipshop.orders.states import ACTORS, ALLOWED, Actor, OrderStatus
from clipshop.orders.timeline import record_event

__all__ = ["record_event", "transition"]


def transition(
    session: Session,
    order: Order,
    to: OrderStatus,
    actor: Actor,
    actor_id: int | None = None,
    reason: str = "",
    also: dict[str, Any] | None = None,
) -> OrderEvent:
    """Move ``order`` to ``to`` if the table allows it for this actor; stamp and record it.

    The UPDATE is conditional on the status read, so two concurrent transitions of the same
    order cannot both apply: the loser gets InvalidTransition. ``also``: other columns of
    the order set by the same UPDATE (e.g. ``paid_at``), saving a statement.
    """
    current = OrderStatus(order.status)
    if to not in ALLOWED[current]:
        raise InvalidTransition(
            f"an order cannot go from {current} to {to}",
            from_status=current.value,
            to_status=to.value,
        )
    if actor not in ACTORS[(current, to)]:
        raise InvalidTransition(
            f"{actor.value} cannot move an order from {current} to {to}",
            from_status=current.value,
            to_status=to.value,
        )
    now = utcnow()
    result = session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == current.value)
        .values(status=to.value, updated_at=now, **(also or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidTransition(
            "the order changed meanwhile; reload it", from_status=current.value, to_status=to.value
        )
    set_committed_value(order, "status", to.value)
    set_committed_value(order, "updated_at", now)
    for column, value in (also or {}).items():
        set_committed_value(order, column, value)
    session.execute(
        update(OrderLineItem)
        .where(OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED")
        .values(status=to.value)
    )
    event = record_event(
        session, order, "STATUS_CHANGED", actor, actor_id, reason, current.value, to.value
    )
    sla.on_enter(session, order, to, now)
    return event
