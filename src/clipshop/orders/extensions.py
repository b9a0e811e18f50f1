"""Force-majeure extensions of an order's shipping deadlines (docs/deadlines.md,
"Force-majeure extensions"; docs/support.md).

``support`` calls ``extend_shipping_deadlines`` when an agent approves a seller's
FORCE_MAJEURE case. The rule: an order still waiting to ship (AWAITING_SHIPMENT or
PARTIALLY_SHIPPING) has every deadline ahead of it moved by the approved calendar hours:
the ready-to-ship deadline (``rts_sla_time``, its LATE_DISPATCH timer), the no-shipment
cancel deadline (``shipping_due_time``, its SHIP_DUE timer) and the delivery promise that
follows from them (``delivery_sla_time``). The timers move with them, so the sweeper honours
the new times. Extensions add up; their total may not exceed the region's
``force_majeure_max_days``. The order records the total (``deadline_extension_hours``) and
when the last one was approved (``force_majeure_at``): the late-dispatch metric does not
judge such an order, and one already marked late stays marked. Each extension is an order
timeline event (DEADLINES_EXTENDED) and an ``OrderDelayed`` announcement (FORCE_MAJEURE,
with the new ready-to-ship deadline)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict, NotFound
from clipshop.core.events import OrderDelayed, announce
from clipshop.deadlines import timers
from clipshop.deadlines.policies import for_region
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Order
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.timeline import record_event

EXTENDABLE = frozenset({OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING})
FORCE_MAJEURE = "FORCE_MAJEURE"  # OrderDelayed.reason
TIMELINE_KIND = "DEADLINES_EXTENDED"
REASON_MAX = 500  # order_events.reason


def extend_shipping_deadlines(
    session: Session, order_id: int, hours: int, reason: str, actor_id: int
) -> Order:
    """Extend the order's shipping deadlines by ``hours``; the order, locked and changed.

    Raises ``NotFound`` for an unknown order and ``Conflict`` (409) when the order is not
    waiting to ship, or ``hours`` is below 1 or would take the order's total extension past
    the region's maximum; nothing is changed then."""
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound(f"order {order_id} not found")
    if order.status not in EXTENDABLE:
        raise Conflict(
            f"order {order_id} is {order.status}: only an order awaiting shipment or partially "
            "shipping has shipping deadlines to extend",
            code="order_not_extendable",
        )
    max_hours = for_region(order.region).force_majeure_max_days * 24
    left = max_hours - order.deadline_extension_hours
    if hours < 1 or hours > left:
        raise Conflict(
            f"an extension must be 1 to {left} hours: the order's shipping deadlines may be "
            f"extended by {max_hours} hours in total and {order.deadline_extension_hours} "
            f"are already granted (asked: {hours})",
            code="extension_out_of_range",
            max_hours=max_hours,
            granted_hours=order.deadline_extension_hours,
        )
    _move_deadlines(session, order, timedelta(hours=hours))
    now = utcnow()
    order.deadline_extension_hours += hours
    order.force_majeure_at = now
    total = order.deadline_extension_hours
    why = f"shipping deadlines extended by {hours} h ({total} h in total): {reason}"
    record_event(session, order, TIMELINE_KIND, Actor.OPERATOR, actor_id, why[:REASON_MAX])
    announce(
        session,
        OrderDelayed(
            order_id=order.id,
            shop_id=order.shop_id,
            buyer_id=order.buyer_id,
            reason=FORCE_MAJEURE,
            ship_by=order.rts_sla_time,
            at=now,
        ),
    )
    session.flush()
    return order


def _move_deadlines(session: Session, order: Order, by: timedelta) -> None:
    """Move the shipping deadlines and re-arm their timers at the new times. An order
    already marked late keeps its mark; its LATE_DISPATCH rule has run, so it is not armed
    again."""
    if order.rts_sla_time is not None:
        order.rts_sla_time += by
        if not order.late_dispatch:
            timers.arm(
                session, TimerKind.LATE_DISPATCH, order.id, order.shop_id, order.rts_sla_time
            )
    if order.shipping_due_time is not None:
        order.shipping_due_time += by
        timers.arm(session, TimerKind.SHIP_DUE, order.id, order.shop_id, order.shipping_due_time)
    if order.delivery_sla_time is not None:
        order.delivery_sla_time += by
