"""The seller API's coupons search and detail over the native shop coupons (read only, as in
the reference: coupons are made in the seller center). Each coupon has a code the buyer
enters or claims, so it is a ``PROMO_CODE`` coupon for the whole shop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.models import CouponWallet, Shop, ShopCoupon
from clipshop.partner import promotions_base as base
from clipshop.partner import promotions_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.paging import PageParams

STATUSES = ("NOT_START", "ONGOING", "EXPIRED", "DEACTIVATED")
DISPLAY_TYPES = ("REGULAR", "LIVE", "CREATOR_EXCLUSIVE", "CHAT", "PROMO_CODE")


def _millis(seconds: int) -> int:
    return seconds * 1000  # the reference's coupon create/update times are milliseconds


def _coupon(row: ShopCoupon, shop: Shop) -> dict[str, Any]:
    currency = shop.currency
    state = base.status(None, row.active, row.starts_at, row.ends_at, utcnow())
    if row.kind == "PERCENT":
        discount = api.CouponDiscount(
            type="PERCENT_OFF",
            percentage=str(row.percent_off),
            max_discount=None
            if row.max_discount is None
            else base.price(row.max_discount, currency),
        )
    else:
        discount = api.CouponDiscount(
            type="AMOUNT_OFF", reduction_amount=base.price(row.amount_off or 0, currency)
        )
    begins, ends = base.unix_time(row.starts_at), base.unix_time(row.ends_at)
    created = _millis(base.unix_time(row.created_at))
    return {
        "id": str(row.id),
        "title": row.title,
        "status": state,
        "promo_code": row.code,
        "display_type": "PROMO_CODE",
        "creation_source": "SELLER_CENTER",
        "product_scope": "FULL_SHOP",
        "target_buyer_segment": "REPEAT_CUSTOMERS" if row.min_completed_orders > 0 else "ALL",
        "create_time": created,
        "update_time": created,
        "claim_duration": api.Duration(start_time=begins, end_time=ends),
        "redemption_duration": api.Redemption(type="ABSOLUTE", start_time=begins, end_time=ends),
        "discount": discount,
        "threshold": api.Threshold(type="MIN_SPEND", min_spend=base.price(row.min_spend, currency))
        if row.min_spend
        else api.Threshold(type="NONE"),
        "usage_limits": api.UsageLimits(
            total_claim_limit=row.total_limit, single_buyer_claim_limit=row.per_buyer_limit
        ),
    }


def search(
    session: Session, shop: Shop, body: api.SearchCoupons, page: PageParams
) -> tuple[list[api.Coupon], dict[str, Any] | None, int]:
    """The shop's coupons, newest first; ``status`` and ``display_type`` filters (any of),
    ``title_keyword`` an exact title (the reference does no fuzzy matching)."""
    for given in body.status:
        if given not in STATUSES:
            raise invalid_parameter("status: each one of " + ", ".join(STATUSES))
    for given in body.display_type:
        if given not in DISPLAY_TYPES:
            raise invalid_parameter("display_type: each one of " + ", ".join(DISPLAY_TYPES))
    if body.display_type and "PROMO_CODE" not in body.display_type:
        return [], None, 0
    stmt = select(ShopCoupon).where(ShopCoupon.shop_id == shop.id).order_by(ShopCoupon.id.desc())
    if body.title_keyword:
        stmt = stmt.where(ShopCoupon.title == body.title_keyword)
    shaped = [api.Coupon(**_coupon(row, shop)) for row in session.scalars(stmt)]
    if body.status:
        shaped = [c for c in shaped if c.status in body.status]
    total = len(shaped)
    before = page.position.get("before") if page.position else None
    if page.position is not None and not isinstance(before, int):
        raise invalid_parameter("page_token is not valid; pass back next_page_token unchanged")
    if before is not None:
        shaped = [c for c in shaped if int(c.id) < before]
    more = len(shaped) > page.size
    shaped = shaped[: page.size]
    return shaped, ({"before": int(shaped[-1].id)} if more else None), total


def detail(session: Session, shop: Shop, coupon_id: str) -> api.CouponData:
    wanted = base.id_of(coupon_id, "coupon_id")
    row = session.get(ShopCoupon, wanted)
    if row is None or row.shop_id != shop.id:
        raise not_found(f"no coupon {wanted} in this shop")
    claimed = session.scalar(
        select(func.count())
        .select_from(CouponWallet)
        .where(CouponWallet.coupon_id == row.id, CouponWallet.claimed_at.is_not(None))
    )
    coupon = api.CouponDetail(
        **_coupon(row, shop),
        display_channels=["PRIVATE"],
        product_ids=[],
        usage_stats=api.UsageStats(claimed_count=claimed or 0, redeemed_count=row.uses),
    )
    return api.CouponData(coupon=coupon)
