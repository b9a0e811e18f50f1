"""The status rules of an order, in one place: ``transition`` moves an order loaded through
the ORM, ``move`` an order read as a plain row (``orders.rows``: the checkout path). Both
check the move against ``ALLOWED`` and ``ACTORS``, update conditionally on the status read (two
concurrent moves cannot both apply: the loser gets InvalidTransition), and then, in
``_entered``, append the timeline event, arm or disarm the deadlines the new status starts or
ends (``orders.sla``), and announce ``OrderStatusChanged`` (``core.events``: its handlers,
and the outbox row).

``transition`` runs ORM-enabled UPDATEs that SQLAlchemy synchronizes with the orders and lines
the session holds (``synchronize_session="fetch"``); ``move`` runs driver statements and
returns the row as the UPDATE left it. A unit of work writes a table one way only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.events import OrderStatusChanged, announce
from clipshop.models import Order, OrderLineItem
from clipshop.orders import rows, sla
from clipshop.orders.errors import InvalidTransition
from clipshop.orders.states import ACTORS, ALLOWED, Actor, OrderStatus
from clipshop.orders.timeline import record_event

__all__ = ["check", "move", "record_event", "transition"]

# SQLAlchemy puts what an UPDATE set into the objects it matched that the session holds.
_SYNC = {"synchronize_session": "fetch"}


def check(status: str, to: OrderStatus, actor: Actor) -> OrderStatus:
    """The order's current status, if the table allows ``actor`` to move it to ``to``."""
    current = OrderStatus(status)
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
    return current


def _changed_meanwhile(current: OrderStatus, to: OrderStatus) -> InvalidTransition:
    return InvalidTransition(
        "the order changed meanwhile; reload it", from_status=current.value, to_status=to.value
    )


def transition(
    session: Session,
    order: Order,
    to: OrderStatus,
    actor: Actor,
    actor_id: int | None = None,
    reason: str = "",
    also: Mapping[str, Any] | None = None,
) -> None:
    """Move ``order`` (loaded) to ``to`` if the table allows it for this actor; stamp and
    record it. ``also``: other columns of the order set by the same UPDATE (``paid_at``)."""
    current = check(order.status, to, actor)
    now = utcnow()
    values = {"status": to.value, "updated_at": now, **(also or {})}
    moved = session.execute(
        update(Order).where(Order.id == order.id, Order.status == current.value).values(values),
        execution_options=_SYNC,
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise _changed_meanwhile(current, to)
    session.execute(
        update(OrderLineItem)
        .where(OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED")
        .values(status=to.value),
        execution_options=_SYNC,
    )
    _entered(session, order, current, to, actor, actor_id, reason, now)


def move(
    session: Session,
    order: rows.Row,
    to: OrderStatus,
    actor: Actor,
    actor_id: int | None = None,
    reason: str = "",
    also: Mapping[str, Any] | None = None,
) -> rows.Row:
    """``transition`` of an order read as a row (``orders.rows``), with driver statements;
    the row as the move left it."""
    current = check(order.status, to, actor)
    now = utcnow()
    also = dict(also or {})
    if not rows.move(session, order.id, current.value, to.value, now, also):
        raise _changed_meanwhile(current, to)
    moved = order.but(status=to.value, updated_at=now, **also)
    _entered(session, moved, current, to, actor, actor_id, reason, now)
    return moved


def _entered(
    session: Session,
    order: Order | rows.Row,
    current: OrderStatus,
    to: OrderStatus,
    actor: Actor,
    actor_id: int | None,
    reason: str,
    now: datetime,
) -> None:
    """What follows every move: the timeline event, the deadlines, the announcement."""
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
