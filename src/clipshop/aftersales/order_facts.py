"""What the after-sales services read about an order's lines before acting: when each was
delivered and which open dispute claims it. ``eligibility`` builds its facts with these, and
``disputes`` refuses with eligibility, so both live below them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import as_utc
from clipshop.models import Dispute, Order, OrderLineItem, Package

DISPUTE_OPEN = "IN_PROGRESS"
REJECTED_RETURNS = ("REFUND_OR_RETURN_REQUEST_REJECT", "REJECT_RECEIVE_PACKAGE")
UNANSWERED_RETURNS = ("RETURN_OR_REFUND_REQUEST_PENDING",)  # the seller has not answered
PENDING_CANCEL = "CANCELLATION_REQUEST_PENDING"


def open_disputes_by_line(session: Session, order_id: int) -> dict[int, int]:
    """Line id -> the open dispute claiming it."""
    rows = session.scalars(
        select(Dispute).where(Dispute.order_id == order_id, Dispute.status == DISPUTE_OPEN)
    )
    return {int(line): d.id for d in rows for line in d.line_item_ids}


def delivered_times(session: Session, order: Order) -> dict[int, datetime | None]:
    """When each line's package was delivered (the carrier's event), else the order's."""
    rows = session.execute(
        select(OrderLineItem.id, Package.delivered_at)
        .outerjoin(Package, Package.id == OrderLineItem.package_id)
        .where(OrderLineItem.order_id == order.id)
    ).all()
    fallback = as_utc(order.delivered_at) if order.delivered_at else None
    return {line_id: as_utc(at) if at else fallback for line_id, at in rows}
