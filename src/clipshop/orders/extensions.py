"""Force-majeure extensions of an order's shipping deadlines (docs/support.md).

CONTRACT (filled in by the force-majeure work; ``support`` calls it when an agent approves a
seller's FORCE_MAJEURE case): ``extend_shipping_deadlines`` moves the order's shipping
deadlines that are still ahead of it by ``hours`` (the timers move with them, so the sweeper
honours the new times), records the extension on the order and its timeline, and marks the
order so the late-dispatch metric does not judge it. It raises a ``DomainError`` (409) when
the order has no shipping deadline left to move (not AWAITING_SHIPMENT or PARTIALLY_SHIPPING)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.models import Order


def extend_shipping_deadlines(
    session: Session, order_id: int, hours: int, reason: str, actor_id: int
) -> Order:
    """Extend the order's shipping deadlines by ``hours``; the order, locked and changed."""
    raise NotImplementedError("force-majeure extensions are being built")
