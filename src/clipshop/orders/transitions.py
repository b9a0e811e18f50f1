"""The one function that changes an order's status: it appends the timeline event, arms or
disarms the deadlines the new status starts or ends (``orders.sla``), and announces
``OrderStatusChanged`` (``core.events``: its handlers, and the outbox row).

The conditional UPDATE runs at once (its row count decides); the lines' UPDATE, the event
and the timers go with the transaction's next statement or its COMMIT (``core.rawsql``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from clipshop.core import rawsql
from clipshop.core.clock import utcnow
from clipshop.core.events import OrderStatusChanged, announce
from clipshop.models import Order, OrderLineItem
from clipshop.orders import sla
from clipshop.orders.errors import InvalidTransition
from clipshop.orders.states import ACTORS, ALLOWED, Actor, OrderStatus
from clipshop.orders.timeline import record_event

__all__ = ["record_event", "transition"]

# Built once: on the checkout path, building a statement costs more than running it.
_LINES = rawsql.Statement(
    update(OrderLineItem)
    .where(OrderLineItem.order_id == bindparam("of_order"), OrderLineItem.status != "CANCELLED")
    .values(status=bindparam("to_status"))
)


@lru_cache(maxsize=64)
def _move(also: tuple[str, ...]) -> rawsql.Statement:
    """UPDATE orders SET status, updated_at (and the ``also`` columns) WHERE id AND status."""
    values: dict[str, Any] = {"status": bindparam("to_status"), "updated_at": bindparam("now")}
    values |= {column: bindparam(f"set_{column}") for column in also}
    return rawsql.Statement(
        update(Order)
        .where(Order.id == bindparam("of_order"), Order.status == bindparam("from_status"))
        .values(values)
    )


def transition(
    session: Session,
    order: Order,
    to: OrderStatus,
    actor: Actor,
    actor_id: int | None = None,
    reason: str = "",
    also: dict[str, Any] | None = None,
) -> None:
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
    also = also or {}
    params = {"of_order": order.id, "from_status": current.value, "to_status": to.value}
    params |= {"now": now} | {f"set_{column}": value for column, value in also.items()}
    if rawsql.run(session, _move(tuple(also)), params).rowcount != 1:
        raise InvalidTransition(
            "the order changed meanwhile; reload it", from_status=current.value, to_status=to.value
        )
    set_committed_value(order, "status", to.value)
    set_committed_value(order, "updated_at", now)
    for column, value in also.items():
        set_committed_value(order, column, value)
    rawsql.defer(session, _LINES, {"of_order": order.id, "to_status": to.value})
    for held in list(session.identity_map.values()):  # lines this session holds see it too
        loaded = held.__dict__  # read without loading anything
        if (
            isinstance(held, OrderLineItem)
            and loaded.get("order_id") == order.id
            and loaded.get("status", "CANCELLED") != "CANCELLED"
        ):
            set_committed_value(held, "status", to.value)
    record_event(session, order, "STATUS_CHANGED", actor, actor_id, reason, current.value, to.value)
    sla.on_enter(session, order, to, now)
    changed = OrderStatusChanged(
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        from_status=current.value,
        to_status=to.value,
        actor=actor.value,
        actor_id=actor_id,
        reason=reason,
        at=now,
    )
    announce(session, changed)  # its handlers, and the outbox row (deferred, like the event)
