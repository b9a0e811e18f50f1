"""Taking a coupon use when an order is written, and giving it back (docs/promotions.md,
"Give-back").

Taken by conditional statements sent together (one round trip, ``rows.take_coupon``): the
coupon's ``uses`` only while below ``total_limit`` (a CHECK holds it too), the buyer's wallet
``uses`` only while below ``per_buyer_limit`` (an upsert), and one ``coupon_uses`` row per
order (unique). Given back once, when the order is cancelled
before shipment (from UNPAID, ON_HOLD or AWAITING_SHIPMENT) or fully refunded (its
``refunded_amount`` reaches its ``total_amount``): the use's ``released_at`` is stamped by a
conditional UPDATE, and only the statement that stamps it gives the counts back.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.core.events import OrderStatusChanged, RefundStatusChanged
from clipshop.models import CouponUse, CouponWallet, Order, ShopCoupon
from clipshop.promotions import rows
from clipshop.promotions.coupon_errors import CouponBuyerLimit, CouponUsedUp

BEFORE_SHIPMENT = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"})


def take(session: Session, coupon_id: int, shop_id: int, order_id: int, buyer_id: int) -> None:
    """One use of the coupon by this order and buyer (one round trip: ``rows.take_coupon``),
    or CouponUsedUp / CouponBuyerLimit (409) when the limits were reached since the quote."""
    taken = rows.take_coupon(session, coupon_id, shop_id, order_id, buyer_id)
    if taken.code is None:
        raise CouponUsedUp("the coupon was used up meanwhile", coupon_id=str(coupon_id))
    if not taken.within_buyer_limit:
        raise CouponBuyerLimit(
            f"coupon {taken.code} may be used {taken.per_buyer_limit} time(s) per buyer",
            coupon_code=taken.code,
        )


def give_back(session: Session, order_id: int) -> bool:
    """Give back the order's coupon use, once; True if this call gave it back."""
    released = session.execute(
        update(CouponUse)
        .where(CouponUse.order_id == order_id, CouponUse.released_at.is_(None))
        .values(released_at=utcnow())
        .returning(CouponUse.coupon_id, CouponUse.buyer_id)
    ).first()
    if released is None:
        return False
    coupon_id, buyer_id = released
    session.execute(
        update(ShopCoupon).where(ShopCoupon.id == coupon_id).values(uses=ShopCoupon.uses - 1)
    )
    session.execute(
        update(CouponWallet)
        .where(CouponWallet.coupon_id == coupon_id, CouponWallet.buyer_id == buyer_id)
        .values(uses=CouponWallet.uses - 1)
    )
    return True


@events.on(OrderStatusChanged)
def _on_cancelled(session: Session, event: OrderStatusChanged) -> None:
    if event.to_status == "CANCELLED" and (event.from_status or "UNPAID") in BEFORE_SHIPMENT:
        give_back(session, event.order_id)


@events.on(RefundStatusChanged)
def _on_refund(session: Session, event: RefundStatusChanged) -> None:
    if event.to_status == "FAILED":
        return
    amounts = session.execute(
        select(Order.refunded_amount, Order.total_amount).where(Order.id == event.order_id)
    ).first()
    if amounts is not None and amounts[0] >= amounts[1]:
        give_back(session, event.order_id)
