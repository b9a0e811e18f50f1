"""Promotions' prebuilt statements (``core.rawsql``): a shop's active bundles and its
free-shipping threshold, as queries that read their own results (``core.batch``), read in the
quote's one batch of reads (``pricing.quotes``) instead of a round trip each per shop order;
and a checkout's take of a shop coupon, in one round trip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, bindparam, func, select, update
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.batch import Query, first_value
from clipshop.core.ids import new_id
from clipshop.models import Bundle, CouponUse, CouponWallet, FreeShippingPromotion, ShopCoupon
from clipshop.promotions.waterfall_steps import BundleRule

_BUNDLES = rawsql.Statement(
    select(Bundle.id, Bundle.product_ids, Bundle.tiers, Bundle.buy_quantity, Bundle.free_quantity)
    .where(
        Bundle.shop_id == bindparam("shop"),
        Bundle.active.is_(True),
        Bundle.starts_at <= bindparam("now"),
        Bundle.ends_at > bindparam("now"),
    )
    .order_by(Bundle.id)
)


def _rules(result: rawsql.Result) -> list[BundleRule]:
    return [BundleRule.of(*row) for row in result.rows]


def bundles(shop_id: int, now: datetime) -> Query[list[BundleRule]]:
    """The shop's bundles active at ``now``, in id order."""
    return Query(_BUNDLES, {"shop": shop_id, "now": now}, _rules)


_THRESHOLD = rawsql.Statement(
    select(func.min(FreeShippingPromotion.threshold)).where(
        FreeShippingPromotion.shop_id == bindparam("shop"),
        FreeShippingPromotion.active.is_(True),
        FreeShippingPromotion.starts_at <= bindparam("now"),
        FreeShippingPromotion.ends_at > bindparam("now"),
    )
)


def free_shipping_threshold(shop_id: int, now: datetime) -> Query[int | None]:
    """The lowest threshold of the shop's free-shipping promotions active at ``now``; None:
    there is none."""
    return Query(_THRESHOLD, {"shop": shop_id, "now": now}, first_value)


_COUPON = rawsql.Statement(
    update(ShopCoupon)
    .where(
        ShopCoupon.id == bindparam("coupon"),
        ShopCoupon.active.is_(True),
        ShopCoupon.uses < ShopCoupon.total_limit,
    )
    .values(uses=ShopCoupon.uses + 1)
    .returning(ShopCoupon.per_buyer_limit, ShopCoupon.code)
)


def _grown_within_limit(insert: Any, _dialect: str) -> Executable:
    """A new wallet row with one use, or one use more while below the coupon's per-buyer
    limit (read from the coupon row the same transaction just locked)."""
    limit = (
        select(ShopCoupon.per_buyer_limit)
        .where(ShopCoupon.id == bindparam("coupon"))
        .scalar_subquery()
    )
    upsert: Executable = insert.on_conflict_do_update(
        index_elements=[CouponWallet.coupon_id, CouponWallet.buyer_id],
        set_={"uses": CouponWallet.uses + 1},
        where=CouponWallet.uses < limit,
    ).returning(CouponWallet.uses)
    return upsert


_WALLET = rawsql.insert_into(
    CouponWallet.__table__,  # type: ignore[arg-type]
    ["coupon_id", "buyer_id", "shop_id", "claimed_at", "uses"],
    _grown_within_limit,
)


@dataclass(frozen=True)
class CouponTaken:
    """What the take found: the coupon's code and per-buyer limit (None: the coupon was
    used up or switched off), and whether the buyer's use fitted their limit."""

    code: str | None
    per_buyer_limit: int | None
    within_buyer_limit: bool


def take_coupon(
    session: Session, coupon_id: int, shop_id: int, order_id: int, buyer_id: int
) -> CouponTaken:
    """One use of the coupon (``uses < total_limit``) and of the buyer's wallet (within
    ``per_buyer_limit``), in one round trip, and the order's ``coupon_uses`` row (deferred:
    with the transaction's next statement or its COMMIT). On a failed take the caller
    raises and the unit of work rolls back, the statements sent with it included."""
    wallet = {"coupon_id": coupon_id, "buyer_id": buyer_id, "shop_id": shop_id}
    coupon, mine = rawsql.run_many(
        session,
        [
            (_COUPON, {"coupon": coupon_id}),
            (_WALLET, wallet | {"claimed_at": None, "uses": 1, "coupon": coupon_id}),
        ],
    )
    rawsql.insert(
        session,
        CouponUse.__table__,
        {"id": new_id(), **wallet, "order_id": order_id, "released_at": None},
    )
    found = coupon.first()
    if found is None:
        return CouponTaken(None, None, bool(mine.rows))
    return CouponTaken(found[1], found[0], bool(mine.rows))
