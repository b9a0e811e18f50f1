"""The seller's promotion steps of the quote waterfall after the price level: bundles, then
the shop coupon; and the shop's free-shipping threshold (docs/promotions.md, "Stacking").

``pricing.quotes`` calls these per shop order, after each unit got its price-level cut (SKU
discount, product discount, live price or flash deal) and before the platform voucher.
A shop that may not promote (RESTRICTED, SUSPENDED) runs none of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.deadlines.standing import NO_PROMOTIONS
from clipshop.models import CouponWallet, Order, Shop, ShopCoupon
from clipshop.promotions import coupon_uses, rows
from clipshop.promotions.coupon_errors import (
    CouponBuyerLimit,
    CouponNotEligible,
    CouponNotValid,
    CouponUsedUp,
    UnknownCoupon,
)
from clipshop.promotions.lines import Claim, Kind, PricedUnit
from clipshop.promotions.waterfall_steps import (
    BundleRule,
    CouponRule,
    apply_bundles,
    apply_coupon,
)


def seller_steps(
    session: Session,
    shop_id: int,
    buyer_id: int | None,
    units: list[PricedUnit],
    coupon_code: str | None,
    now: datetime,
    bundles: list[BundleRule] | None = None,
) -> list[Claim]:
    """Take the shop's bundle and coupon cuts off ``units`` (one shop order's units, in place);
    the claims (coupon uses) that a checkout must take for them. ``buyer_id`` None: a quote
    without a buyer (per-buyer limits and loyalty are not checked). ``bundles``: the shop's
    active bundles if the caller read them already (``promotions.rows.bundles``, in its
    batch); None: read here. The coupon is read only when ``coupon_code`` is given."""
    promoting = _may_promote(session, shop_id)
    if promoting:
        rules = bundles if bundles is not None else active_bundles(session, shop_id, now)
        apply_bundles(units, rules)
    if not coupon_code:
        return []
    coupon = usable_coupon(session, shop_id, buyer_id, coupon_code, now)
    if not promoting:
        raise CouponNotValid(
            f"coupon {coupon_code} is not valid now: its shop may not run promotions",
            coupon_code=coupon_code,
        )
    apply_coupon(units, rule_of(coupon))
    return [Claim(Kind.COUPON, coupon.id, shop_id, 1)]


def take(session: Session, claim: Claim, order_id: int, buyer_id: int) -> None:
    """Take a claim of ``seller_steps`` when the checkout writes its order (a conditional
    UPDATE: raises the promotion's own error when the limit was reached meanwhile)."""
    if claim.kind is not Kind.COUPON:
        raise NotImplementedError(f"no claim of kind {claim.kind} is taken here")
    coupon_uses.take(session, claim.promotion_id, claim.shop_id, order_id, buyer_id)


def free_shipping_threshold(session: Session, shop_id: int, now: datetime) -> int | None:
    """The lowest products sub-total from which the shop's active free-shipping promotion
    makes shipping free (seller-funded); None: no such promotion now, or the shop may not
    promote. ``pricing.quotes`` reads it in its batch instead (``rows.free_shipping_threshold``)."""
    if not _may_promote(session, shop_id):
        return None
    return rows.free_shipping_threshold(shop_id, now).run(session)


def _may_promote(session: Session, shop_id: int) -> bool:
    shop = session.get(Shop, shop_id)
    return shop is not None and shop.standing not in NO_PROMOTIONS


def active_bundles(session: Session, shop_id: int, now: datetime) -> list[BundleRule]:
    return rows.bundles(shop_id, now).run(session)


def rule_of(coupon: ShopCoupon) -> CouponRule:
    return CouponRule(
        id=coupon.id,
        code=coupon.code,
        amount_off=coupon.amount_off,
        percent_off=coupon.percent_off,
        max_discount=coupon.max_discount,
        min_spend=coupon.min_spend,
    )


def usable_coupon(
    session: Session, shop_id: int, buyer_id: int | None, code: str, now: datetime
) -> ShopCoupon:
    """The shop's coupon of ``code`` if it may be used now by this buyer (limits read here,
    taken by ``take``): UnknownCoupon, CouponNotValid, CouponUsedUp, CouponBuyerLimit,
    CouponNotEligible (all 409)."""
    coupon = session.scalar(
        select(ShopCoupon).where(ShopCoupon.shop_id == shop_id, ShopCoupon.code == code)
    )
    if coupon is None:
        raise UnknownCoupon(f"shop {shop_id} has no coupon {code!r}", coupon_code=code)
    if not coupon.active or not (coupon.starts_at <= now < coupon.ends_at):
        raise CouponNotValid(f"coupon {code} is not valid now", coupon_code=code)
    if coupon.uses >= coupon.total_limit:
        raise CouponUsedUp(f"coupon {code} is used up", coupon_code=code)
    if buyer_id is None:
        return coupon
    used = session.scalar(
        select(CouponWallet.uses).where(
            CouponWallet.coupon_id == coupon.id, CouponWallet.buyer_id == buyer_id
        )
    )
    if (used or 0) >= coupon.per_buyer_limit:
        raise CouponBuyerLimit(
            f"coupon {code} may be used {coupon.per_buyer_limit} time(s) per buyer",
            coupon_code=code,
        )
    if coupon.min_completed_orders:
        completed = completed_orders(session, shop_id, buyer_id)
        if completed < coupon.min_completed_orders:
            raise CouponNotEligible(
                f"coupon {code} is for buyers with at least {coupon.min_completed_orders} "
                f"completed orders in this shop ({completed} so far)",
                coupon_code=code,
            )
    return coupon


def completed_orders(session: Session, shop_id: int, buyer_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Order)
            .where(
                Order.shop_id == shop_id, Order.buyer_id == buyer_id, Order.status == "COMPLETED"
            )
        )
        or 0
    )
