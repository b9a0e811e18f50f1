"""Orders waiting to ship, soonest ship-by deadline first (the seller center's dashboard)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clipshop.identity.principal import Principal
from clipshop.models import Order
from clipshop.orders.queries import visible_to
from clipshop.orders.states import OrderStatus


def due_to_ship(
    session: Session, principal: Principal, before: datetime, limit: int = 50
) -> list[Order]:
    """The caller's AWAITING_SHIPMENT orders whose ship-by time (``rts_sla_time``) falls
    before ``before`` (overdue ones too), soonest first."""
    stmt = (
        visible_to(principal, Order)
        .where(
            Order.status == OrderStatus.AWAITING_SHIPMENT.value,
            Order.rts_sla_time.is_not(None),
            Order.rts_sla_time < before,
        )
        .order_by(Order.rts_sla_time, Order.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
