"""Errors of shop coupons, bundles and free-shipping promotions (docs/promotions.md)."""

from __future__ import annotations

from clipshop.core.errors import Conflict, NotFound


class UnknownCoupon(Conflict):
    """409: no coupon of that shop has the code the buyer sent (well-formed input that the
    shop refuses, like the other coupon refusals)."""

    code = "unknown_coupon"
    title = "Unknown coupon"


class CouponNotValid(Conflict):
    """409: the coupon exists but is not valid now (not started, ended, deactivated, or
    its shop may not run promotions)."""

    code = "coupon_not_valid"
    title = "Coupon not valid now"


class CouponNotEligible(Conflict):
    """409: this order or buyer does not qualify (minimum spend, loyalty)."""

    code = "coupon_not_eligible"
    title = "Coupon not eligible"


class CouponUsedUp(Conflict):
    """409: the coupon's total uses are all taken."""

    code = "coupon_used_up"
    title = "Coupon used up"


class CouponBuyerLimit(Conflict):
    """409: the buyer used the coupon as often as it allows."""

    code = "coupon_buyer_limit"
    title = "Coupon limit per buyer reached"


class PromotionNotFound(NotFound):
    code = "promotion_not_found"


class PromotionConflict(Conflict):
    """409: a change that the promotion's state does not allow (e.g. a total limit below
    the uses already taken, a code the shop already has)."""

    code = "promotion_conflict"
