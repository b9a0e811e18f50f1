"""The order timeline: append-only events (who, when, from, to, why)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.models import Order, OrderEvent
from clipshop.orders.states import Actor


def record_event(
    session: Session,
    order: Order,
    kind: str,
    actor: Actor,
    actor_id: int | None = None,
    reason: str = "",
    from_status: str | None = None,
    to_status: str | None = None,
) -> OrderEvent:
    event = OrderEvent(
        order_id=order.id,
        shop_id=order.shop_id,
        kind=kind,
        actor_type=actor.value,
        actor_id=actor_id,
        reason=reason,
        from_status=from_status,
        to_status=to_status,
    )
    session.add(event)
    return event
