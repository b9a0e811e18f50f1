"""Shop coupons: the seller creates, changes, stops and lists them; a buyer claims one into
the wallet and lists the wallet (docs/promotions.md). Uses are taken and given back by
``coupon_uses``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import insert_ignore
from clipshop.core.errors import NotFound
from clipshop.deadlines.standing import NO_PROMOTIONS
from clipshop.identity.principal import Permission, Principal
from clipshop.models import CouponWallet, Shop, ShopCoupon
from clipshop.promotions import coupon_store as store
from clipshop.promotions.coupon_errors import CouponNotValid, PromotionConflict
from clipshop.promotions.waterfall import usable_coupon


def create(
    session: Session, principal: Principal, shop_id: int, fields: dict[str, Any]
) -> ShopCoupon:
    shop = store.shop_for_promoting(session, principal, shop_id)
    store.check_window(fields["starts_at"], fields["ends_at"])
    _check_amounts(shop, fields)
    taken = select(ShopCoupon.id).where(
        ShopCoupon.shop_id == shop_id, ShopCoupon.code == fields["code"]
    )
    if session.scalar(taken) is not None:
        raise PromotionConflict(f"the shop already has a coupon {fields['code']}")
    coupon = ShopCoupon(shop_id=shop_id, **fields)
    session.add(coupon)
    session.flush()
    return coupon


def update_coupon(
    session: Session, principal: Principal, shop_id: int, coupon_id: int, changes: dict[str, Any]
) -> ShopCoupon:
    """Change the fields sent; the total limit never below the uses already taken."""
    shop, coupon = store.update_row(session, principal, ShopCoupon, shop_id, coupon_id, changes)
    _check_amounts(shop, changes)
    if coupon.kind == "AMOUNT" and coupon.max_discount is not None:
        raise PromotionConflict("max_discount caps a PERCENT coupon only")
    if coupon.total_limit < coupon.uses:
        raise PromotionConflict(
            f"the total limit cannot go below the {coupon.uses} uses already taken"
        )
    session.flush()
    return coupon


def _check_amounts(shop: Shop, fields: dict[str, Any]) -> None:
    names = ("amount_off", "max_discount", "min_spend")
    store.check_amounts(shop.currency, {n: fields.get(n) for n in names})


def get(session: Session, principal: Principal, shop_id: int, coupon_id: int) -> ShopCoupon:
    return store.get_row(session, principal, ShopCoupon, shop_id, coupon_id)


def list_coupons(session: Session, principal: Principal, shop_id: int) -> list[ShopCoupon]:
    return store.list_rows(session, principal, ShopCoupon, shop_id)


def deactivate(session: Session, principal: Principal, shop_id: int, coupon_id: int) -> ShopCoupon:
    return store.deactivate(session, principal, ShopCoupon, shop_id, coupon_id)


# --- the buyer's wallet ---------------------------------------------------------------------


def claim(
    session: Session, principal: Principal, shop_id: int, code: str
) -> tuple[ShopCoupon, CouponWallet]:
    """Put the shop's coupon ``code`` in the buyer's wallet (again: no change), if the buyer
    could use it now: the checks of a checkout's code (``waterfall.usable_coupon``)."""
    principal.require(Permission.CHECKOUT)
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise NotFound("shop not found")
    now = utcnow()
    coupon = usable_coupon(session, shop_id, principal.user_id, code, now)
    if shop.standing in NO_PROMOTIONS:
        raise CouponNotValid(
            f"coupon {code} is not valid now: its shop may not run promotions", coupon_code=code
        )
    key = {"coupon_id": coupon.id, "buyer_id": principal.user_id}
    insert_ignore(
        session,
        CouponWallet.__table__,
        key | {"shop_id": shop_id, "claimed_at": now, "uses": 0},
        list(key),
    )
    session.execute(
        update(CouponWallet)
        .where(
            CouponWallet.coupon_id == coupon.id,
            CouponWallet.buyer_id == principal.user_id,
            CouponWallet.claimed_at.is_(None),
        )
        .values(claimed_at=now)
    )
    wallet = session.get_one(CouponWallet, (coupon.id, principal.user_id), populate_existing=True)
    return coupon, wallet


def wallet(session: Session, principal: Principal) -> list[tuple[ShopCoupon, CouponWallet]]:
    """The buyer's coupons (claimed or used), newest coupon first."""
    principal.require(Permission.CHECKOUT)
    rows = session.execute(
        select(ShopCoupon, CouponWallet)
        .join(CouponWallet, CouponWallet.coupon_id == ShopCoupon.id)
        .where(CouponWallet.buyer_id == principal.user_id)
        .order_by(ShopCoupon.id.desc())
    )
    return [(row[0], row[1]) for row in rows]
