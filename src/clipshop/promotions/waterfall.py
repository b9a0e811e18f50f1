"""The seller's promotion steps of the quote waterfall after the price level: bundles, then
the shop coupon; and the shop's free-shipping threshold (docs/promotions.md, "Stacking").

``pricing.quotes`` calls these per shop order, after each unit got its price-level cut (SKU
discount, product discount, live price or flash deal) and before the platform voucher.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clipshop.promotions.lines import Claim, PricedUnit


def seller_steps(
    session: Session,
    shop_id: int,
    buyer_id: int | None,
    units: list[PricedUnit],
    coupon_code: str | None,
    now: datetime,
) -> list[Claim]:
    """Take the shop's bundle and coupon cuts off ``units`` (one shop order's units, in place);
    the claims (coupon uses) that a checkout must take for them. ``buyer_id`` None: a quote
    without a buyer (per-buyer limits are not checked)."""
    return []


def take(session: Session, claim: Claim, order_id: int, buyer_id: int) -> None:
    """Take a claim of ``seller_steps`` when the checkout writes its order (a conditional
    UPDATE: raises the promotion's own error when the limit was reached meanwhile)."""
    raise NotImplementedError(f"no claim of kind {claim.kind} is taken here yet")


def free_shipping_threshold(session: Session, shop_id: int, now: datetime) -> int | None:
    """The lowest products sub-total from which the shop's active free-shipping promotion
    makes shipping free (seller-funded); None: no such promotion now."""
    return None
