"""A shop's coupons (with the buyers' wallets and the uses taken by orders), bundles and
free-shipping promotions: the seller steps of the quote waterfall (docs/promotions.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin

COUPON_KINDS = ("AMOUNT", "PERCENT")
BUNDLE_KINDS = ("TIERS", "BUY_X_GET_Y")


class ShopCoupon(IdMixin, CreatedMixin, Base):
    """Amount or percent (with a cap) off a shop order's products after bundles, from a
    minimum spend, in a window; ``uses`` counts the orders that took it (never above
    ``total_limit``). ``min_completed_orders`` > 0: a loyalty coupon."""

    __tablename__ = "shop_coupons"
    __table_args__ = (
        UniqueConstraint("shop_id", "code", name="uq_shop_coupons_shop_code"),
        CheckConstraint(f"kind IN {COUPON_KINDS!r}", name="kind"),
        CheckConstraint(
            "(kind = 'AMOUNT' AND amount_off > 0 AND percent_off IS NULL)"
            " OR (kind = 'PERCENT' AND percent_off BETWEEN 1 AND 100 AND amount_off IS NULL)",
            name="kind_amounts",
        ),
        CheckConstraint("max_discount IS NULL OR max_discount > 0", name="max_discount"),
        CheckConstraint("min_spend >= 0 AND min_completed_orders >= 0", name="minimums"),
        CheckConstraint("total_limit >= 1 AND per_buyer_limit >= 1", name="limits"),
        CheckConstraint("uses >= 0 AND uses <= total_limit", name="uses"),
        CheckConstraint("ends_at > starts_at", name="window"),
        Index("ix_shop_coupons_shop_id_id", "shop_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    amount_off: Mapped[int | None]
    percent_off: Mapped[int | None]
    max_discount: Mapped[int | None]  # the cap of a percent coupon
    min_spend: Mapped[int] = mapped_column(default=0)
    min_completed_orders: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    total_limit: Mapped[int]
    per_buyer_limit: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class CouponWallet(Base):
    """A buyer's hold of a coupon: claimed into the wallet (``claimed_at``) or first used by
    entering its code; ``uses`` counts the buyer's orders that took it."""

    __tablename__ = "coupon_wallets"
    __table_args__ = (
        CheckConstraint("uses >= 0", name="uses"),
        Index("ix_coupon_wallets_buyer_id", "buyer_id"),
    )

    coupon_id: Mapped[int] = mapped_column(ForeignKey("shop_coupons.id"), primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    claimed_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(default=0)


class CouponUse(IdMixin, CreatedMixin, Base):
    """One order's use of a coupon (one coupon per shop order), given back once
    (``released_at``) when the order is cancelled before shipment or fully refunded."""

    __tablename__ = "coupon_uses"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_coupon_uses_order_id"),
        Index("ix_coupon_uses_coupon_id_buyer_id", "coupon_id", "buyer_id"),
    )

    coupon_id: Mapped[int] = mapped_column(ForeignKey("shop_coupons.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    released_at: Mapped[datetime | None]


class Bundle(IdMixin, CreatedMixin, Base):
    """A price cut on units of a set of the shop's products bought together: TIERS (``tiers``
    ``[{"min_quantity", "percent_off"}]``, the best tier reached) or BUY_X_GET_Y (of each
    ``buy_quantity + free_quantity`` units, the cheapest ``free_quantity`` are free)."""

    __tablename__ = "bundles"
    __table_args__ = (
        CheckConstraint(f"kind IN {BUNDLE_KINDS!r}", name="kind"),
        CheckConstraint(
            "kind = 'TIERS' OR (buy_quantity >= 1 AND free_quantity >= 1)", name="buy_get"
        ),
        CheckConstraint("ends_at > starts_at", name="window"),
        Index("ix_bundles_shop_id_id", "shop_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    product_ids: Mapped[list[int]] = mapped_column(JSON)
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    buy_quantity: Mapped[int | None]
    free_quantity: Mapped[int | None]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)


class FreeShippingPromotion(IdMixin, CreatedMixin, Base):
    """Free shipping (seller-funded) for a shop order whose products reach ``threshold``."""

    __tablename__ = "free_shipping_promotions"
    __table_args__ = (
        CheckConstraint("threshold >= 0", name="threshold"),
        CheckConstraint("ends_at > starts_at", name="window"),
        Index("ix_free_shipping_promotions_shop_id_id", "shop_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    threshold: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)
