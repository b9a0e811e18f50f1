"""Giving back flash-deal units when their order lines do not sell after all (docs/deals.md,
"Give-back"): an order cancelled, lines cancelled, a return or refund of whole lines completed.

Handlers of ``core.events``, in the unit of work that announces the change. Exactly once: a
line's claim is stamped ``released_at`` by a conditional UPDATE, and only the rows that
statement stamped give their units back to the deal's ``sold`` and the buyer's use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.core.events import OrderLinesCancelled, OrderStatusChanged, ReturnStatusChanged
from clipshop.models import (
    Promotion,
    PromotionBuyerUse,
    PromotionClaim,
    Return,
    ReturnLine,
)

RETURN_DONE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
GIVES_BACK = frozenset({"REFUND", "RETURN_AND_REFUND"})  # a replacement still sells the unit


def give_back(session: Session, which: ColumnElement[bool]) -> int:
    """Release the flash-deal claims ``which`` selects that are not released yet; returns
    how many units went back."""
    released = session.execute(
        update(PromotionClaim)
        .where(which, PromotionClaim.kind == "FLASH_DEAL", PromotionClaim.released_at.is_(None))
        .values(released_at=utcnow())
        .returning(PromotionClaim.promotion_id, PromotionClaim.buyer_id)
    ).all()
    units = Counter((row[0], row[1]) for row in released)
    for (deal_id, buyer_id), n in sorted(units.items()):
        session.execute(
            update(Promotion).where(Promotion.id == deal_id).values(sold=Promotion.sold - n)
        )
        session.execute(
            update(PromotionBuyerUse)
            .where(
                PromotionBuyerUse.promotion_id == deal_id, PromotionBuyerUse.buyer_id == buyer_id
            )
            .values(used=PromotionBuyerUse.used - n)
        )
    return len(released)


def give_back_lines(session: Session, line_ids: Sequence[int]) -> int:
    return give_back(session, PromotionClaim.line_item_id.in_(list(line_ids))) if line_ids else 0


@events.on(OrderStatusChanged)
def _order_cancelled(session: Session, event: OrderStatusChanged) -> None:
    if event.to_status == "CANCELLED":
        give_back(session, PromotionClaim.order_id == event.order_id)


@events.on(OrderLinesCancelled)
def _lines_cancelled(session: Session, event: OrderLinesCancelled) -> None:
    give_back_lines(session, event.line_ids)


@events.on(ReturnStatusChanged)
def _returned(session: Session, event: ReturnStatusChanged) -> None:
    if event.to_status != RETURN_DONE or event.return_type not in GIVES_BACK:
        return
    kept = session.scalar(select(Return.partial_refund_status).where(Return.id == event.return_id))
    if kept == "ACCEPTED":  # a partial refund: the buyer keeps the unit
        return
    lines = session.scalars(
        select(ReturnLine.line_item_id).where(ReturnLine.return_id == event.return_id)
    ).all()
    give_back_lines(session, lines)
